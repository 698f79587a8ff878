// `kata check --trace`: the benchmark is built and run once with KATA_TRACE_FILE, through the
// process runner (faked here), and a run that writes no trace is reported, naming the kata.
#include "commands/trace.hpp"
#include "fake_process_runner.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace interleave;
using interleave::testing::exited;
using interleave::testing::FakeProcessRunner;

namespace {

struct TraceProject {
    fs::path root;
    Exercise e;
    TraceProject() {
        std::random_device rd;
        root = fs::temp_directory_path() / ("interleave-trace-" + std::to_string(rd()));
        fs::create_directories(root / "exercises" / "05-url-pipeline");
        std::ofstream(root / "exercises" / "05-url-pipeline" / "pipeline.hpp") << "// mine\n";
        e.id = "url-pipeline";
        e.folder = "05-url-pipeline";
        e.student_files = {"pipeline.hpp"};
        e.timeout_seconds = 60;
    }
    ~TraceProject() { fs::remove_all(root); }
    Workspace ws() const { return Workspace{root, root / "build" / "grade"}; }
};

TEST(Trace, RunsTheBenchmarkOnceWithTheTraceFile) {
    TraceProject p;
    const fs::path out = trace_path(p.root, p.e, "student");
    EXPECT_EQ(out, p.root / "build" / "trace" / "url-pipeline.student.json");
    FakeProcessRunner runner([](const ProcessSpec& spec) {
        const auto trace = spec.env.find("KATA_TRACE_FILE");
        if (trace != spec.env.end()) std::ofstream(trace->second) << R"({"traceEvents":[]})";
        return exited(0);
    });
    EXPECT_EQ(write_trace(runner, p.ws(), p.e, {{p.root / "exercises", true}}, out), "");
    EXPECT_TRUE(fs::exists(out));
    const ProcessSpec& bench = runner.specs.back();
    EXPECT_NE(bench.argv[0].find("url-pipeline_bench"), std::string::npos) << bench.argv[0];
    EXPECT_EQ(bench.argv[1], "--benchmark_repetitions=1");
    EXPECT_EQ(bench.env.at("KATA_TRACE_FILE"), out.string());
    EXPECT_EQ(read_file(p.ws().stage_dir(p.e) / "pipeline.hpp"), "// mine\n");
}

TEST(Trace, NoTraceWrittenIsAnErrorNamingTheKata) {
    TraceProject p;
    FakeProcessRunner runner([](const ProcessSpec&) { return exited(0); });
    const std::string error = write_trace(runner, p.ws(), p.e, {{p.root / "exercises", true}},
                                          trace_path(p.root, p.e, "student"));
    EXPECT_NE(error.find("trace of url-pipeline: no trace was written"), std::string::npos)
        << error;
}

TEST(Trace, BuildFailureNamesTheCommand) {
    TraceProject p;
    FakeProcessRunner runner([](const ProcessSpec&) { return exited(1, "", "error: oops"); });
    const std::string error = write_trace(runner, p.ws(), p.e, {{p.root / "exercises", true}},
                                          trace_path(p.root, p.e, "student"));
    EXPECT_NE(error.find("the build failed"), std::string::npos) << error;
    EXPECT_NE(error.find("./kata check url-pipeline"), std::string::npos) << error;
}

}  // namespace
