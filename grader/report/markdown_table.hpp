#pragma once
/// A GitHub-flavoured Markdown table. Cells are escaped so that a message with '|' or a line
/// break stays in its cell.

#include <string>
#include <vector>

namespace interleave {

/// One header row, a separator and one line per row; every row has the header's width.
std::string markdown_table(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows);

/// A cell's text with '|' escaped and line breaks as <br>.
std::string markdown_cell(const std::string& text);

}  // namespace interleave
