// The evidence a check quotes: failures with tidy paths, the student's source lines, backtraces
// and sanitizer accesses in the student's terms.
#include "checks/evidence.hpp"

#include <fmt/format.h>

#include <regex>
#include <sstream>
#include <utility>
#include <vector>

namespace interleave {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

std::string readable_type_names(std::string text) {
    static const std::vector<std::pair<std::string, std::string>> kSpellings{
        {"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >",
         "std::string"},
        {"std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string"},
        {"std::chrono::duration<long, std::ratio<1l, 1000000000l> >", "std::chrono::nanoseconds"},
        {"std::chrono::duration<long, std::ratio<1l, 1000000l> >", "std::chrono::microseconds"},
        {"std::chrono::duration<long, std::ratio<1l, 1000l> >", "std::chrono::milliseconds"},
        {"std::chrono::duration<long, std::ratio<1l, 1l> >", "std::chrono::seconds"},
        {"std::chrono::duration<long, std::ratio<1l, 1000000000l>>", "std::chrono::nanoseconds"},
        {"std::chrono::duration<long, std::ratio<1l, 1000000l>>", "std::chrono::microseconds"},
        {"std::chrono::duration<long, std::ratio<1l, 1000l>>", "std::chrono::milliseconds"},
        {"std::__cxx11::", "std::"},
    };
    for (const auto& [from, to] : kSpellings) {
        for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
            text.replace(at, from.size(), to);
            at += to.size();
        }
    }
    return text;
}

/// A GoogleTest failure ("path:line\nmessage...") with the path shortened, at most `max` lines.
std::string tidy_failure(const Workspace& ws, const std::string& failure, std::size_t max) {
    auto lines = lines_of(failure);
    if (!lines.empty()) {
        static const std::regex kWhere(R"(^(.*?):(\d+)$)");
        std::smatch m;
        if (std::regex_match(lines[0], m, kWhere)) {
            lines[0] = fmt::format("at {}:{}", display_path(ws, m[1].str()), m[2].str());
        }
    }
    if (lines.size() > max) {
        lines.resize(max);
        lines.emplace_back("...");
    }
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n    ") + l;
    return out;
}

/// Is this path one of the student's files (inside the stage folder)?
bool is_student_path(const Workspace& ws, const std::string& path) {
    const std::string shown = display_path(ws, path);
    return shown != path && shown.rfind("harness/", 0) != 0 &&
           shown.find('/') != std::string::npos &&
           std::isdigit(static_cast<unsigned char>(shown[0])) != 0;
}

/// Line `line` of a file, trimmed, or empty.
std::string source_line(const std::string& path, int line) {
    const auto lines = lines_of(read_file(path));
    if (line < 1 || static_cast<std::size_t>(line) > lines.size()) return {};
    std::string s = lines[static_cast<std::size_t>(line - 1)];
    s.erase(0, s.find_first_not_of(" \t"));
    return s;
}

/// ": `code`" quoting line `line` of a file after a file:line, or empty when the line is unknown.
std::string quoted_source(const std::string& path, int line) {
    const std::string code = source_line(path, line);
    return code.empty() ? std::string() : ": `" + code + "`";
}

/// Summarises gdb's "thread apply all bt" output: for each thread, its innermost frame in the
/// student's code (or, failing that, its innermost named frame).
std::vector<std::string> summarise_backtraces(const Workspace& ws, const std::string& text) {
    static const std::regex kThread(R"(^Thread (\d+) .*$)");
    static const std::regex kFrame(R"(^#\d+\s+(?:0x[0-9a-f]+ in )?(.+?) \(.*\) at (\S+):(\d+)$)");
    std::vector<std::string> out;
    std::string thread;
    bool found = false;      // the thread's first student frame is reported
    bool on_a_lock = false;  // ... and it waits to take a lock
    bool caller_seen = false;
    std::string found_fn;
    std::string waiting;
    for (const auto& line : lines_of(text)) {
        std::smatch m;
        if (std::regex_match(line, m, kThread)) {
            thread = m[1].str();
            found = on_a_lock = caller_seen = false;
            waiting.clear();
        } else if (!thread.empty() && !found && std::regex_match(line, m, kFrame)) {
            const std::string fn = m[1].str();
            // The library frame closest to the student's code says what the thread waits on.
            const bool library = !is_student_path(ws, m[2].str());
            if (library &&
                (fn.find("wait") != std::string::npos || fn.find("lock") != std::string::npos ||
                 fn.find("sleep") != std::string::npos || fn.find("join") != std::string::npos)) {
                waiting = fn;
            }
            if (is_student_path(ws, m[2].str())) {
                const int line_no = std::stoi(m[3].str());
                out.push_back(fmt::format("thread {} {} in {} at {}:{}{}", thread,
                                          waiting.empty() ? "is" : "waits (" + waiting + ")", fn,
                                          display_path(ws, m[2].str()), line_no,
                                          quoted_source(m[2].str(), line_no)));
                found = true;
                found_fn = fn;
                on_a_lock = waiting.find("lock") != std::string::npos &&
                            waiting.find("unlock") == std::string::npos;
            }
        } else if (found && on_a_lock && !caller_seen && std::regex_match(line, m, kFrame) &&
                   is_student_path(ws, m[2].str()) && m[1].str() != found_fn) {
            // The student's own caller, deeper in the same thread: if it took the same mutex,
            // the thread waits for itself.
            caller_seen = true;
            const int line_no = std::stoi(m[3].str());
            out.push_back(fmt::format(
                "  called from {} at {}:{}{}: if that caller already holds the same mutex, the "
                "thread waits for itself (a std::mutex is not recursive: call a helper that "
                "expects the lock held instead)",
                m[1].str(), display_path(ws, m[2].str()), line_no,
                quoted_source(m[2].str(), line_no)));
        }
    }
    return out;
}

const SanitizerFrame* student_frame(const Workspace& ws, const SanitizerAccess& a) {
    for (const auto& f : a.frames) {
        if (is_student_path(ws, f.file)) return &f;
    }
    return a.frames.empty() ? nullptr : &a.frames.front();
}

std::string describe_access(const Workspace& ws, const SanitizerAccess& a) {
    const SanitizerFrame* pick = student_frame(ws, a);
    if (pick == nullptr) return fmt::format("{} by {}", a.what, a.thread);
    return fmt::format("{} by {} in {} at {}:{}{}", a.what, a.thread, pick->function,
                       display_path(ws, pick->file), pick->line,
                       quoted_source(pick->file, pick->line));
}

/// The first line of `text` containing `needle`, trimmed, or empty.
std::string first_line_with(const std::string& text, const std::string& needle) {
    for (auto& line : lines_of(text)) {
        if (line.find(needle) == std::string::npos) continue;
        line.erase(0, line.find_first_not_of(" \t"));
        return line;
    }
    return {};
}

/// An ASan/UBSan access or site: "READ of size 8 by thread T3 in Queue::pop() at
/// 04-producer-consumer/bounded_queue.hpp:77: code", preferring the student's frame.
std::string describe_asan_access(const Workspace& ws, const SanitizerAccess& a) {
    const SanitizerFrame* pick = student_frame(ws, a);
    const std::string who = a.thread.empty() ? "" : " by " + a.thread;
    if (pick == nullptr) return a.what + who;
    return fmt::format(
        "{}{}{} at {}:{}{}", a.what, who, pick->function.empty() ? "" : " in " + pick->function,
        display_path(ws, pick->file), pick->line, quoted_source(pick->file, pick->line));
}

/// The student's file and line of an access, for the JSON report (the first frame otherwise).
nlohmann::json access_json(const Workspace& ws, const SanitizerAccess& a) {
    nlohmann::json j{{"what", a.what}, {"thread", a.thread}};
    const SanitizerFrame* pick = student_frame(ws, a);
    if (pick != nullptr) {
        j["file"] = display_path(ws, pick->file);
        j["line"] = pick->line;
        j["function"] = pick->function;
    }
    return j;
}

std::string count_tests(int passed, int total) {
    return fmt::format("{} of {} test{} pass", passed, total, total == 1 ? "" : "s");
}

std::string failure_headline(const std::vector<std::string>& lines) {
    if (lines.empty()) return {};
    auto trimmed = [](const std::string& l) {
        const auto b = l.find_first_not_of(" \t");
        const auto e = l.find_last_not_of(" \t\r");
        return b == std::string::npos ? std::string() : l.substr(b, e - b + 1);
    };
    // GoogleTest's scaffolding is indented ("  c.value()", "    Which is: 0") or starts with
    // one of its words; the harness's own message starts at the margin.
    auto in_words = [&](const std::string& l) {
        const std::string t = trimmed(l);
        if (t.empty() || l.front() == ' ' || l.front() == '\t') return false;
        for (const char* word : {"Expected", "Actual:", "Value of:", "Which is:"})
            if (t.rfind(word, 0) == 0) return false;
        const bool literal = (t.front() == '"' || t.front() == '\'') && t.back() == t.front() &&
                             t.find(' ') == std::string::npos;
        const bool number = t.find_first_not_of("0123456789.-+e") == std::string::npos;
        return !literal && !number && t != "true" && t != "false";
    };
    std::size_t end = lines.size();
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (trimmed(lines[i]).rfind("Google Test trace:", 0) == 0) {
            end = i;
            break;
        }
    }
    for (std::size_t i = end; i-- > 0;) {
        if (in_words(lines[i])) return lines[i];
    }
    // EXPECT_EQ(problem, "") says it only as the value: `Which is: "4 URLs were reported twice"`.
    for (std::size_t i = end; i-- > 0;) {
        const std::string t = trimmed(lines[i]);
        if (t.rfind("Which is: \"", 0) == 0 && t.size() > 12 && t.back() == '"' &&
            t.find(' ', 11) != std::string::npos)
            return t.substr(11, t.size() - 12);
    }
    return lines.back();
}

std::vector<std::string> last_lines(const std::string& text, std::size_t n) {
    auto lines = lines_of(text);
    if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(n));
    return lines;
}

double seconds_of(const ProcessOutcome& p) {
    return static_cast<double>(p.elapsed.count()) / 1000.0;
}

}  // namespace interleave
