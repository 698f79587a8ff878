#include "commands/console.hpp"

#include <fmt/format.h>

namespace interleave {

bool colour_wanted(bool output_is_terminal, const char* no_color) {
    return output_is_terminal && no_color == nullptr;
}

ProgressFn progress_to(bool err_is_terminal, std::ostream& err) {
    if (!err_is_terminal) return {};
    return [&err](const std::string& kata, const std::string& stage) {
        err << fmt::format("\r\033[K  {} : {}...", kata, stage) << std::flush;
        if (stage == "done") err << "\r\033[K" << std::flush;
    };
}

}  // namespace interleave
