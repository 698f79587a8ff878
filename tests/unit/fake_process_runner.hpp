#pragma once
/// A ProcessRunner for tests: records every spec and answers with a scripted handler, which
/// may write the files a real tool would (GoogleTest JSON, benchmark JSON).
///
/// The results channel is played the way the real harness plays it, so handlers need not know
/// about it: a benchmark's `--benchmark_out` becomes a file the handler writes and the runner
/// sends as the harness's report block; a test binary that wrote its GoogleTest JSON (and set no
/// channel itself) gets the stream its harness main() would have sent: begin, each test's
/// start and end, finished; every record carries the token the grader gave.

#include "process/process.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

namespace interleave::testing {

class FakeProcessRunner final : public ProcessRunner {
  public:
    using Handler = std::function<ProcessOutcome(const ProcessSpec&)>;
    explicit FakeProcessRunner(Handler handler) : handler_(std::move(handler)) {}

    /// One run at a time (a grade builds the sanitizer trees on threads of their own): the
    /// handlers and `specs` need no locking of their own.
    ProcessOutcome run(const ProcessSpec& spec) override {
        const std::lock_guard lock(mutex_);
        specs.push_back(spec);
        if (!spec.result_channel) return handler_(spec);
        const std::string token = spec.env.count("KATA_RESULT_TOKEN") != 0
                                      ? spec.env.at("KATA_RESULT_TOKEN")
                                      : std::string();
        ProcessSpec played = spec;
        std::filesystem::path bench_out;
        for (auto& a : played.argv) {
            if (a.rfind("--benchmark_out=", 0) == 0) {
                bench_out = std::filesystem::temp_directory_path() /
                            ("fake-bench-" + std::to_string(::getpid()) + "-" + token + ".json");
                a = "--benchmark_out=" + bench_out.string();
            }
        }
        ProcessOutcome o = handler_(played);
        if (!o.channel.empty()) return o;
        if (!bench_out.empty()) {
            if (std::filesystem::exists(bench_out)) {
                const std::string report = slurp(bench_out);
                o.channel = token + " begin\n" + token + " block report " +
                            std::to_string(report.size()) + "\n" + report + "\n" + token +
                            " finished\n";
                std::filesystem::remove(bench_out);
            }
        } else {
            o.channel = stream_from_gtest_json(spec, token);
        }
        return o;
    }

    std::vector<ProcessSpec> specs;

  private:
    std::recursive_mutex mutex_;

    static std::string slurp(const std::filesystem::path& p) {
        std::ifstream in(p);
        return {std::istreambuf_iterator<char>(in), {}};
    }

    /// The harness's stream for the results the handler wrote (none for a listing).
    static std::string stream_from_gtest_json(const ProcessSpec& spec, const std::string& token) {
        std::string out_path;
        for (const auto& a : spec.argv) {
            if (a == "--gtest_list_tests") return {};
            if (a.rfind("--gtest_output=json:", 0) == 0) out_path = a.substr(20);
        }
        if (out_path.empty() || !std::filesystem::exists(out_path)) return {};
        const auto doc = nlohmann::json::parse(slurp(out_path), nullptr, false);
        if (doc.is_discarded() || !doc.contains("testsuites")) return {};
        const std::string t = token + " ";
        std::string stream = t + "begin\n";
        for (const auto& suite : doc["testsuites"]) {
            for (const auto& test : suite.value("testsuite", nlohmann::json::array())) {
                const std::string name = suite.value("name", "") + "." + test.value("name", "");
                const bool failed = !test.value("failures", nlohmann::json::array()).empty();
                stream += t + "start " + name + "\n" + t + "end " + name +
                          (failed ? " fail\n" : " pass\n");
            }
        }
        return stream + t + "finished\n";
    }

    Handler handler_;
};

inline ProcessOutcome exited(int code, std::string out = {}, std::string err = {}) {
    ProcessOutcome o;
    o.termination = Termination::exited;
    o.exit_code = code;
    o.out = std::move(out);
    o.err = std::move(err);
    return o;
}

/// The value of "--flag=VALUE" in argv, or empty.
inline std::string flag_value(const ProcessSpec& spec, const std::string& flag) {
    for (const auto& a : spec.argv) {
        if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
    }
    return {};
}

}  // namespace interleave::testing
