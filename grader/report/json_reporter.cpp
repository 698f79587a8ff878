// The JSON report: the stable, documented contract (docs/report-json.md).
#include "report/reporter.hpp"

namespace interleave {

namespace {

/// `data` as the JSON report has always carried it: the pass-through extras plus the typed
/// fields under their documented keys (docs/report-json.md).
nlohmann::json check_data(const CheckResult& c) {
    nlohmann::json data = c.data;
    if (c.infrastructure) data["infrastructure"] = true;
    if (c.is(CheckKind::timing) && (!c.comparisons.empty() || c.inconclusive)) {
        for (const auto& cmp : c.comparisons) {
            nlohmann::json j{{"name", cmp.name},
                             {"ratio", cmp.ratio},
                             {"full_credit_ratio", cmp.full_credit_ratio},
                             {"zero_credit_ratio", cmp.zero_credit_ratio},
                             {"fraction", cmp.fraction},
                             {"spread", cmp.spread}};
            if (cmp.free_cores) j["free_cores"] = *cmp.free_cores;
            data["comparisons"].push_back(j);
        }
        data["inconclusive"] = c.inconclusive;
        if (c.unproven) data["unproven"] = true;
    }
    if (!c.tamper.empty()) data["tamper"] = c.tamper;
    if (c.disabled) data["disabled"] = true;
    for (const auto& e : c.errors) {
        data["errors"].push_back(nlohmann::json{
            {"file", e.file}, {"line", e.line}, {"column", e.column}, {"message", e.message}});
    }
    return data;
}

}  // namespace

nlohmann::json report_to_json(const GradeReport& report) {
    nlohmann::json doc;
    doc["version"] = 1;
    doc["course"] = report.course;
    doc["source"] = report.source;
    doc["score"] = report.score;
    doc["max_score"] = report.max_score;
    doc["seconds"] = report.seconds;
    doc["notes"] = report.notes;
    if (report.pending_points > 0) doc["pending_points"] = report.pending_points;
    if (report.disabled_points > 0) doc["disabled_points"] = report.disabled_points;
    doc["katas"] = nlohmann::json::array();
    for (const auto& k : report.katas) {
        nlohmann::json kj{
            {"id", k.id},       {"folder", k.folder},       {"title", k.title},
            {"score", k.score}, {"max_score", k.max_score}, {"checks", nlohmann::json::array()}};
        if (k.pending_points > 0) kj["pending_points"] = k.pending_points;
        if (k.disabled_points > 0) kj["disabled_points"] = k.disabled_points;
        for (const auto& c : k.checks) {
            kj["checks"].push_back(nlohmann::json{{"name", c.name},
                                                  {"status", to_string(c.status)},
                                                  {"score", c.score},
                                                  {"max_score", c.max_score},
                                                  {"message", c.message},
                                                  {"details", c.details},
                                                  {"seconds", c.seconds},
                                                  {"data", check_data(c)}});
        }
        doc["katas"].push_back(kj);
    }
    return doc;
}

namespace {

class JsonReporter final : public Reporter {
  public:
    void render(const GradeReport& report, std::ostream& out) const override {
        out << report_to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
    }
};

}  // namespace

std::unique_ptr<Reporter> make_json_reporter() {
    return std::make_unique<JsonReporter>();
}

std::unique_ptr<Reporter> make_reporter(const std::string& name, const TerminalStyle& style) {
    return make_reporter(name, style, process_context());
}

}  // namespace interleave
