#include "review/csv_rows.hpp"

#include <csv.h>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace interleave {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

/// What libcsv's callbacks fill in while it walks the text.
struct Collector {
    std::vector<CsvRow> rows;
    std::vector<std::string> fields;  ///< the row being read
    int line = 1;                     ///< physical line of the byte being fed

    void end_row() {
        const bool blank = std::all_of(fields.begin(), fields.end(),
                                       [](const std::string& f) { return f.empty(); });
        if (!blank) {
            // The row ends on `line`; its quoted fields' own line breaks say where it began.
            int breaks = 0;
            for (const auto& f : fields) {
                breaks += static_cast<int>(std::count(f.begin(), f.end(), '\n'));
            }
            CsvRow row{line - breaks, {}};
            for (auto& f : fields) row.fields.push_back(trim(f));
            rows.push_back(std::move(row));
        }
        fields.clear();
    }
};

void on_field(void* data, std::size_t size, void* context) {
    auto* c = static_cast<Collector*>(context);
    c->fields.emplace_back(static_cast<const char*>(data), size);
}

void on_row_end(int /*terminator*/, void* context) {
    static_cast<Collector*>(context)->end_row();
}

[[noreturn]] void malformed(const std::string& file, const Collector& c, const char* what) {
    throw std::invalid_argument(fmt::format("review: {}:{}: field {}: malformed CSV ({})", file,
                                            c.line, c.fields.size() + 1, what));
}

}  // namespace

std::vector<CsvRow> parse_csv(const std::string& text, const std::string& file) {
    csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        throw std::runtime_error("review: cannot start the CSV parser for " + file);
    const std::unique_ptr<csv_parser, void (*)(csv_parser*)> owner(&parser, csv_free);
    Collector c;
    // Fed one physical line at a time so that an error names the line it is on.
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        end = end == std::string::npos ? text.size() : end + 1;
        const std::size_t len = end - pos;
        if (csv_parse(&parser, text.data() + pos, len, on_field, on_row_end, &c) != len)
            malformed(file, c, "a quote inside an unquoted field, or text after a closing quote");
        pos = end;
        if (pos < text.size()) ++c.line;
    }
    if (csv_fini(&parser, on_field, on_row_end, &c) != 0)
        malformed(file, c, "a quoted field is never closed");
    return std::move(c.rows);
}

std::vector<CsvRow> read_csv_file(const std::filesystem::path& csv, const std::string& what) {
    std::ifstream in(csv, std::ios::binary);
    if (!in)
        throw std::invalid_argument(fmt::format("review: cannot read {} {}", what, csv.string()));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_csv(text.str(), csv.string());
}

}  // namespace interleave
