#pragma once
/// Reporters render a GradeReport; they only read it. One reporter per format, each in its own
/// file under grader/reporters/.

#include "report.hpp"

#include <memory>
#include <ostream>
#include <string>

namespace interleave {

class Reporter {
  public:
    virtual ~Reporter() = default;
    /// Writes the whole report to `out`.
    virtual void render(const GradeReport& report, std::ostream& out) const = 0;
};

struct TerminalStyle {
    bool color = false;
    bool verbose = false;  ///< every detail line, not only the first few per check
};

std::unique_ptr<Reporter> make_terminal_reporter(TerminalStyle style);
std::unique_ptr<Reporter> make_json_reporter();

/// The JSON document (also used by tests and by verify).
nlohmann::json report_to_json(const GradeReport& report);

/// Looks a format up by name ("terminal", "json"); nullptr when unknown.
std::unique_ptr<Reporter> make_reporter(const std::string& name, TerminalStyle style);

}  // namespace interleave
