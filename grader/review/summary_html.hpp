#pragma once
/// summary.html: a static, self-contained page (inline CSS, no script) with the score
/// distribution of each kata and check as bar histograms, the most common failure messages,
/// the tamper reports and each student's DESIGN.md, all HTML-escaped.

#include "review/student_record.hpp"

#include "report/markup_escape.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace interleave {

void write_summary_html(const std::vector<StudentRecord>& records, std::ostream& out);

}  // namespace interleave
