// The stress binary's main (<kata>_stress, EXPLORE_LITMUS programs compiled with
// EXPLORE_STRESS_BUILD): runs every litmus test many times at full speed on the real machine
// and reports how often each outcome showed, as jcstress does. The explorer shows what the
// interleavings can give; this shows what the hardware and the compiler gave, relaxed atomics
// included.
//
//   <kata>_stress [--runs N] [--seconds S] [--litmus NAME] [--json FILE]
//
// --seconds bounds each litmus test's real runs (default 2): a machine with no free core runs
// them far slower, and then fewer are made (the report says how many).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <kata/explore.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../support/result_channel.hpp"

namespace explore {

namespace {
std::vector<Litmus>& litmus_tests() {
    static std::vector<Litmus> list;
    return list;
}
}  // namespace

int register_litmus(const Litmus& litmus) {
    litmus_tests().push_back(litmus);
    return 0;
}

// The scenarios of the same file are compiled but never run here; their checks still link.
void observe(const char* /*outcome*/) {}
void fail(const char* message) {
    std::fprintf(stderr, "stress: a scenario failed outside the explorer: %s\n", message);
    std::abort();
}
int register_scenario(const Scenario& /*scenario*/) {
    return 0;
}
int register_focus(const char* /*path*/) {
    return 0;
}
int register_kata(const char* /*id*/) {
    return 0;
}

}  // namespace explore

namespace {

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(
        stderr,
        "stress: %s\nusage: stress [--runs N] [--seconds S] [--litmus NAME] [--json FILE]\n",
        why.c_str());
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    long runs = 200000;
    double seconds = 2;
    std::string only;
    std::string json_file;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) usage(arg + " needs a value");
        const std::string value = argv[++i];
        if (arg == "--runs") {
            char* end = nullptr;
            runs = std::strtol(value.c_str(), &end, 10);
            if (*end != '\0' || runs < 1 || runs > 100000000) usage("--runs needs 1 to 100000000");
        } else if (arg == "--seconds") {
            char* end = nullptr;
            seconds = std::strtod(value.c_str(), &end);
            if (*end != '\0' || !(seconds > 0 && seconds <= 600))
                usage("--seconds needs a number above 0, at most 600");
        } else if (arg == "--litmus") {
            only = value;
        } else if (arg == "--json") {
            json_file = value;
        } else {
            usage("unknown option " + arg);
        }
    }
    nlohmann::json report = {{"format_version", 1}, {"programs", nlohmann::json::array()}};
    for (const explore::Litmus& l : explore::litmus_tests()) {
        if (!only.empty() && only != l.name) continue;
        const auto start = std::chrono::steady_clock::now();
        const explore::Histogram seen = l.stress(runs, seconds);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        long total = 0;
        for (const auto& [outcome, count] : seen) total += count;
        std::printf("%s: %ld runs in %.2f s\n", l.name, total, seconds);
        nlohmann::json histogram = nlohmann::json::object();
        for (const auto& [outcome, count] : seen) {
            std::printf("  %-30s %10ld\n", outcome.c_str(), count);
            histogram[outcome] = count;
        }
        report["programs"].push_back({{"name", l.name},
                                      {"description", l.description},
                                      {"relaxed_outcomes", l.relaxed},
                                      {"runs", total},
                                      {"seconds", seconds},
                                      {"histogram", histogram}});
    }
    const std::string text = report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!json_file.empty()) std::ofstream(json_file) << text << "\n";
    kata_support::send_block("stress", text);
    kata_support::send_record("finished");
    return 0;
}
