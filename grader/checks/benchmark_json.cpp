#include "checks/parsers.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace interleave {

namespace {

double to_ns(double value, const std::string& unit) {
    if (unit == "ns") return value;
    if (unit == "us") return value * 1e3;
    if (unit == "ms") return value * 1e6;
    if (unit == "s") return value * 1e9;
    throw std::runtime_error("unknown time_unit \"" + unit + "\" in benchmark JSON");
}

}  // namespace

std::map<std::string, BenchmarkSamples> parse_benchmark_json(const std::string& text) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("benchmarks")) {
        throw std::runtime_error("not a Google Benchmark JSON report");
    }
    // Fields every benchmark entry has; anything else numeric is a user counter.
    static const std::vector<std::string> kStandard{"family_index", "per_family_instance_index",
                                                    "repetitions",  "repetition_index",
                                                    "threads",      "iterations",
                                                    "real_time",    "cpu_time"};
    std::map<std::string, BenchmarkSamples> out;
    for (const auto& b : doc["benchmarks"]) {
        if (b.value("run_type", "") != "iteration") continue;
        auto& s = out[b.value("run_name", b.value("name", ""))];
        if (b.value("error_occurred", false)) {
            s.errors.push_back(b.value("error_message", std::string("(no message)")));
            continue;
        }
        const std::string unit = b.value("time_unit", "ns");
        s.real_time_ns.push_back(to_ns(b.value("real_time", 0.0), unit));
        s.cpu_time_ns.push_back(to_ns(b.value("cpu_time", 0.0), unit));
        for (const auto& [key, value] : b.items()) {
            if (!value.is_number()) continue;
            if (std::find(kStandard.begin(), kStandard.end(), key) != kStandard.end()) continue;
            s.counters[key].push_back(value.get<double>());
        }
    }
    return out;
}

double minimum(const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
}

double maximum(const std::vector<double>& v) {
    return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t mid = v.size() / 2;
    return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2.0;
}

}  // namespace interleave
