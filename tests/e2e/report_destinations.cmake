# The CI destinations of the report formats, through the real CLI: with no PATH, markdown is
# appended to $GITHUB_STEP_SUMMARY and classroom to $GITHUB_OUTPUT (existing content kept).
# Run as: cmake -DINTERLEAVE_BIN=... -DPROJECT=... -DBUILD_DIR=... -DOUT=... -P this file
file(MAKE_DIRECTORY "${OUT}")
set(summary "${OUT}/step_summary.md")
set(output "${OUT}/github_output")
file(WRITE "${summary}" "earlier step\n")
file(WRITE "${output}" "earlier=1\n")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env "GITHUB_STEP_SUMMARY=${summary}" "GITHUB_OUTPUT=${output}"
          "${INTERLEAVE_BIN}" --root "${PROJECT}" --build-dir "${BUILD_DIR}"
          grade counter --solutions --no-tsan --no-explore --no-timing
          --format markdown --format classroom --format junit:${OUT}/grade.xml
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "kata grade exited ${rc}\n${stdout}\n${stderr}")
endif()
if(NOT stdout STREQUAL "")
  message(FATAL_ERROR "markdown and classroom belong in the CI files, not stdout:\n${stdout}")
endif()
file(READ "${summary}" text)
foreach(want "earlier step\n## " "| 01-counter | tests | ✅ pass | 60/60 |" "**Total: 60/60 (100%)**" "40 more points belong to checks switched off")
  string(FIND "${text}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "step summary lacks \"${want}\":\n${text}")
  endif()
endforeach()
file(READ "${output}" text)
if(NOT text MATCHES "^earlier=1\nresult=[A-Za-z0-9+/]+=*\n$")
  message(FATAL_ERROR "GITHUB_OUTPUT is not 'earlier=1' then one result= line:\n${text}")
endif()
file(READ "${OUT}/grade.xml" text)
string(FIND "${text}" "<testsuite name=\"01-counter\" tests=\"5\" failures=\"0\" errors=\"0\" skipped=\"3\"" at)
if(at EQUAL -1)
  message(FATAL_ERROR "unexpected JUnit report:\n${text}")
endif()
message(STATUS "report destinations: ok")
