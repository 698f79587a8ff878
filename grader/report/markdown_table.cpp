#include "markdown_table.hpp"

namespace interleave {

std::string markdown_cell(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '|') {
            out += "\\|";
        } else if (ch == '\n') {
            out += "<br>";
        } else if (ch != '\r') {
            out += ch;
        }
    }
    return out;
}

std::string markdown_table(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows) {
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out = "|";
        for (std::size_t i = 0; i < header.size(); ++i)
            out += " " + markdown_cell(i < cells.size() ? cells[i] : "") + " |";
        return out + "\n";
    };
    std::string out = line(header) + "|";
    for (std::size_t i = 0; i < header.size(); ++i) out += " --- |";
    out += "\n";
    for (const auto& r : rows) out += line(r);
    return out;
}

}  // namespace interleave
