// Reading AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer reports.
#include "checks/parsers.hpp"

#include <regex>
#include <sstream>

namespace interleave {

namespace {

/// "signed integer overflow: 2147483647 + 1 cannot be ..." -> "signed integer overflow".
std::string ub_kind(const std::string& message) {
    static const std::regex kAddress(R"( 0x[0-9a-f]+)");
    std::string kind = message.substr(0, message.find(':'));
    // "load of misaligned address 0x1234 for type..." keeps its words, not its numbers.
    kind = std::regex_replace(kind, kAddress, "");
    if (kind.size() > 80) kind = kind.substr(0, 77) + "...";
    return "undefined behaviour: " + kind;
}

}  // namespace

// Over 80 lines on purpose: one pass over the lines with the state of the report being read
// (which block: the access, the freeing or allocating site, a leak), which reads best whole.
std::vector<SanitizerReport> parse_asan_reports(const std::string& text) {
    static const std::regex kError(
        R"(^==\d+==ERROR: (?:AddressSanitizer|LeakSanitizer): (.+?)(?: on .*)?\s*$)");
    static const std::regex kEnd(R"(^==\d+==ABORTING\s*$)");
    static const std::regex kUb(R"(^(/?[^ :]+):(\d+):(?:\d+:)? runtime error: (.+?)\s*$)");
    static const std::regex kAccess(
        R"(^((?:READ|WRITE) of size \d+) at 0x[0-9a-f]+ thread (T\d+).*$)");
    static const std::regex kSite(
        R"(^(freed|previously allocated|allocated) by thread (T\d+).* here:\s*$)");
    static const std::regex kStack(
        R"(^Address 0x[0-9a-f]+ is located in stack of thread (T\d+).*$)");
    static const std::regex kStackObject(
        R"(^\s+\[\d+, \d+\) '([^']+)' \(line (\d+)\) <== Memory access.*$)");
    static const std::regex kLeak(
        R"(^((?:Direct|Indirect) leak of \d+ byte\(s\) in \d+ object\(s\)) allocated from:.*$)");
    static const std::regex kFrame(R"(^\s+#\d+ 0x[0-9a-f]+ in (.+) (/?[^ ]+?):(\d+)(?::\d+)?\s*$)");
    static const std::regex kSummary(
        R"(^SUMMARY: (?:AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer): (.*)$)");

    std::vector<SanitizerReport> reports;
    SanitizerReport* current = nullptr;
    SanitizerAccess* access = nullptr;
    // ASan prints its shadow-memory map after SUMMARY: kept in the text, up to ABORTING.
    SanitizerReport* tail = nullptr;
    SanitizerAccess* stack_object = nullptr;
    int tail_lines = 0;
    std::istringstream in(text);
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_match(line, m, kError)) {
            tail = nullptr;  // push_back may move the reports
            stack_object = nullptr;
            reports.push_back(SanitizerReport{m[1].str(), "", {}, line + "\n"});
            current = &reports.back();
            access = nullptr;
            continue;
        }
        if (std::regex_match(line, m, kUb)) {
            SanitizerReport r{ub_kind(m[3].str()), "", {}, line + "\n"};
            // The line UBSan names is the faulting one; the stack that follows adds the callers.
            r.accesses.push_back(SanitizerAccess{
                m[3].str(), "", {SanitizerFrame{"", m[1].str(), std::stoi(m[2].str())}}});
            tail = nullptr;
            stack_object = nullptr;
            reports.push_back(std::move(r));
            current = &reports.back();
            access = &current->accesses.back();
            continue;
        }
        if (current == nullptr) {
            if (tail != nullptr && tail_lines++ < 40) {
                tail->text += line + "\n";
                if (std::regex_match(line, kEnd)) tail = nullptr;
            }
            continue;
        }
        current->text += line + "\n";
        if (std::regex_match(line, m, kSummary)) {
            current->summary = m[1].str();
            tail = current;
            tail_lines = 0;
            current = nullptr;
            access = nullptr;
        } else if (std::regex_match(line, m, kAccess) || std::regex_match(line, m, kSite)) {
            current->accesses.push_back(SanitizerAccess{m[1].str(), "thread " + m[2].str(), {}});
            access = &current->accesses.back();
        } else if (std::regex_match(line, m, kStack)) {
            // The frame that owned the stack object: where the dead variable was declared.
            current->accesses.push_back(
                SanitizerAccess{"stack object", "thread " + m[1].str(), {}});
            access = &current->accesses.back();
            stack_object = access;
        } else if (stack_object != nullptr && std::regex_match(line, m, kStackObject)) {
            stack_object->what = "stack object '" + m[1].str() + "'";
            if (!stack_object->frames.empty())
                stack_object->frames.front().line = std::stoi(m[2].str());
            stack_object = nullptr;
        } else if (std::regex_match(line, m, kLeak)) {
            current->accesses.push_back(SanitizerAccess{m[1].str() + " allocated", "", {}});
            access = &current->accesses.back();
        } else if (access != nullptr && std::regex_match(line, m, kFrame)) {
            SanitizerFrame frame{m[1].str(), m[2].str(), std::stoi(m[3].str())};
            // UBSan's own line and the top of its stack are the same place: keep one, named.
            if (access->frames.size() == 1 && access->frames[0].function.empty() &&
                access->frames[0].file == frame.file && access->frames[0].line == frame.line) {
                access->frames[0].function = frame.function;
            } else {
                access->frames.push_back(std::move(frame));
            }
        } else if (line.find_first_not_of(' ') == std::string::npos) {
            access = nullptr;
        }
    }
    return reports;
}

}  // namespace interleave
