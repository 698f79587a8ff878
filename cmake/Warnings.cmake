# interleave_warnings(TARGET): the warning set for code we own (grader, harness).
function(interleave_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion)
endfunction()
