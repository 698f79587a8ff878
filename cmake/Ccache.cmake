# Use ccache for every compile when it is installed: rebuilding a kata after its student files
# return to an earlier content (verify swaps mutants in and out) then costs a cache lookup.
find_program(INTERLEAVE_CCACHE ccache)
if(INTERLEAVE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${INTERLEAVE_CCACHE}")
endif()
