# Use ccache for every compile when it is installed: rebuilding a kata after its student files
# return to an earlier content (verify swaps mutants in and out) then costs a cache lookup.
#
# The grader's own objects do not depend on where the project lives, so its build tells ccache to
# hash paths relative to the project root and to leave the build folder out of the hash: a second
# clone, or the student template that `kata export` writes, then reuses the first one's objects.
# (Only its debug information may then name the other folder.)
find_program(INTERLEAVE_CCACHE ccache)
if(INTERLEAVE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  if(INTERLEAVE_GRADER AND NOT INTERLEAVE_KATAS)
    set(CMAKE_CXX_COMPILER_LAUNCHER
        "${CMAKE_COMMAND};-E;env;CCACHE_BASEDIR=${PROJECT_SOURCE_DIR};CCACHE_NOHASHDIR=true;${INTERLEAVE_CCACHE}")
  else()
    # Kata builds use precompiled headers (harness/CMakeLists.txt), which ccache refuses to cache
    # unless told that the header's macros and timestamps may be ignored: the PCH file's own
    # content is hashed instead (the sloppiness below, and -fno-pch-timestamp for clang). The
    # working directory is left out of the hash: every path on a kata's command line is
    # absolute, so the debug information names the same files whichever tree compiled the
    # object, and GoogleTest and the harness's support objects are then compiled once for all
    # the trees of a machine (one per verify part, the e2e tests, a student's checkout).
    set(CMAKE_CXX_COMPILER_LAUNCHER
        "${CMAKE_COMMAND};-E;env;CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime;CCACHE_NOHASHDIR=true;${INTERLEAVE_CCACHE}")
  endif()
endif()
if(INTERLEAVE_KATAS AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  # Without it clang writes the time of creation into a PCH, and ccache cannot reuse one.
  add_compile_options("SHELL:-Xclang -fno-pch-timestamp")
endif()
