# Use ccache for every compile when it is installed: rebuilding a kata after its student files
# return to an earlier content (verify swaps mutants in and out) then costs a cache lookup.
#
# The grader's own objects do not depend on where the project lives, so its build tells ccache to
# hash paths relative to the project root and to leave the build folder out of the hash: a second
# clone, or the student template that `kata export` writes, then reuses the first one's objects.
# (Only its debug information may then name the other folder.) Kata builds keep the default,
# because the grader reads their debug information to name a student's file and line.
find_program(INTERLEAVE_CCACHE ccache)
if(INTERLEAVE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  if(INTERLEAVE_GRADER AND NOT INTERLEAVE_KATAS)
    set(CMAKE_CXX_COMPILER_LAUNCHER
        "${CMAKE_COMMAND};-E;env;CCACHE_BASEDIR=${PROJECT_SOURCE_DIR};CCACHE_NOHASHDIR=true;${INTERLEAVE_CCACHE}")
  else()
    set(CMAKE_CXX_COMPILER_LAUNCHER "${INTERLEAVE_CCACHE}")
  endif()
endif()
