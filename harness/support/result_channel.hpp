#pragma once
/// The results channel between a kata's test or benchmark binary and the grader.
///
/// The grader starts the binary with a pipe at the descriptor KATA_RESULT_FD and a random
/// token in KATA_RESULT_TOKEN. Before any other static initialiser of the program runs (a
/// constructor of priority 101), the harness moves the pipe to a descriptor of its own choosing,
/// keeps the token and wipes both variables from the environment, including the copy that
/// /proc/self/environ shows. Every record is one line "<token> <record>" in a single write(2),
/// so a record the submission writes itself cannot carry the token and the grader sets it
/// aside as tamper evidence. Without the two variables (a binary run by hand) nothing is sent.

#include <string>

namespace kata_support {

/// Whether the grader gave this process a results channel (false when run by hand).
bool has_channel();

/// Sends "<token> <record>\n" in one write; does nothing without a channel.
void send_record(const std::string& record);

/// Sends "<token> block <name> <size>\n" followed by `payload` (size bytes) and a newline.
void send_block(const std::string& name, const std::string& payload);

/// Closes the channel in this process for good (a child forked to run untrusted code: only
/// the parent reports).
void close_channel();

}  // namespace kata_support
