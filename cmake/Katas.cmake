# interleave_add_kata(ID <id> DIR <NN-name> TESTS <files...> [BENCH <files...>] [EXPLORE <files...>]
#                     [STRESS <files...>] [STUDENT_SOURCES <files...>])
#
# Declares the targets the grader builds for one kata:
#   <id>_tests  GoogleTest binary: the harness tests + harness/support/test_main.cpp
#   <id>_bench  Google Benchmark binary: the harness benchmarks + harness/support/bench_main.cpp
#               (only when INTERLEAVE_BENCHMARKS is on)
#   <id>_explore the explorer's scenarios (kata/explore.hpp) + harness/explore/: compiled with
#               ThreadSanitizer's instrumentation but linked with the explorer's runtime instead
#               of TSan's, so every atomic, lock and wait becomes a scheduling point
#               (only in the tsan preset, the one tree that has the instrumentation)
#   <id>_stress the same files' litmus tests (EXPLORE_LITMUS) run for real, many times, on the
#               machine's own atomics: no instrumentation, so only in the release preset
# The student's files are read from KATA_SOURCE_ROOT/<NN-name>/ (headers through the include
# path, STUDENT_SOURCES compiled in). KATA_SOURCE_ROOT defaults to exercises/, so a plain
# configure builds the stubs; the grader points it at its own staging folder instead.
set(KATA_SOURCE_ROOT "${PROJECT_SOURCE_DIR}/exercises" CACHE PATH
    "Folder laid out like exercises/ from which the student files are taken")

# The tests judge behaviour, not speed: in the release preset they compile at -O1, which halves
# the time to rebuild them after a student's edit (retry: 9.0 s -> 4.5 s, producer-consumer:
# 12.0 s -> 7.4 s on 2 cores) and still runs the stress tests at full speed. The benchmarks,
# which the timing check measures, keep the preset's -O2. (The sanitizer presets set their own.)
if(INTERLEAVE_SANITIZER STREQUAL "")
  set(INTERLEAVE_TEST_OPTIMIZATION -O1)
else()
  set(INTERLEAVE_TEST_OPTIMIZATION "")
endif()

function(interleave_add_kata)
  cmake_parse_arguments(K "" "ID;DIR" "TESTS;BENCH;EXPLORE;STRESS;STUDENT_SOURCES" ${ARGN})
  if(NOT K_ID OR NOT K_DIR OR NOT (K_TESTS OR K_EXPLORE))
    message(FATAL_ERROR "interleave_add_kata needs ID, DIR and TESTS (or, for a kata of "
                        "predictions, EXPLORE alone)")
  endif()
  set(student_dir "${KATA_SOURCE_ROOT}/${K_DIR}")
  set(student_sources "")
  foreach(file IN LISTS K_STUDENT_SOURCES)
    list(APPEND student_sources "${student_dir}/${file}")
  endforeach()

  if(K_TESTS)
    add_executable(${K_ID}_tests ${K_TESTS} ${student_sources}
                   $<TARGET_OBJECTS:kata_test_main> $<TARGET_OBJECTS:kata_result_channel>)
    # The student's folder comes first so that its headers win over anything of the same name.
    target_include_directories(${K_ID}_tests BEFORE PRIVATE "${student_dir}")
    target_include_directories(${K_ID}_tests PRIVATE "${PROJECT_SOURCE_DIR}/harness/include")
    target_link_libraries(${K_ID}_tests PRIVATE GTest::gtest Threads::Threads rapidcheck)
    target_precompile_headers(${K_ID}_tests REUSE_FROM kata_test_pch)
    target_compile_options(${K_ID}_tests PRIVATE ${INTERLEAVE_TEST_OPTIMIZATION})
    # Hidden tests live in harness/<NN-name>/hidden/ and join the test binary only when that
    # folder exists: a student export leaves it out (exercise.yaml checks.tests.hidden).
    file(GLOB hidden_tests CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/hidden/*.cpp")
    if(hidden_tests)
      target_sources(${K_ID}_tests PRIVATE ${hidden_tests})
    endif()
  endif()

  if(INTERLEAVE_BENCHMARKS AND K_BENCH)
    add_executable(${K_ID}_bench ${K_BENCH} ${student_sources}
                   $<TARGET_OBJECTS:kata_bench_main> $<TARGET_OBJECTS:kata_result_channel>)
    target_include_directories(${K_ID}_bench BEFORE PRIVATE "${student_dir}")
    target_include_directories(${K_ID}_bench PRIVATE "${PROJECT_SOURCE_DIR}/harness/include")
    target_link_libraries(${K_ID}_bench PRIVATE benchmark::benchmark Threads::Threads)
    target_precompile_headers(${K_ID}_bench REUSE_FROM kata_bench_pch)
  endif()

  if(INTERLEAVE_SANITIZER STREQUAL "thread" AND K_EXPLORE)
    add_executable(${K_ID}_explore ${K_EXPLORE} ${student_sources}
                   $<TARGET_OBJECTS:kata_explore_runtime> $<TARGET_OBJECTS:kata_result_channel>)
    target_include_directories(${K_ID}_explore BEFORE PRIVATE "${student_dir}")
    target_include_directories(${K_ID}_explore PRIVATE "${PROJECT_SOURCE_DIR}/harness/include")
    # A failing interleaving quotes the lines of these two folders, the student's first.
    target_compile_definitions(${K_ID}_explore PRIVATE
      KATA_ID="${K_ID}" KATA_STUDENT_DIR="${student_dir}"
      KATA_HARNESS_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
    # The instrumentation stays; TSan's runtime goes: the explorer's defines the same entry points.
    # Every symbol is bound at start (-z now): each worker process is a forked child, which would
    # otherwise resolve its lazily bound calls (pthread_create...) again for itself.
    set_property(TARGET ${K_ID}_explore PROPERTY LINK_OPTIONS "LINKER:-z,now")
    target_link_libraries(${K_ID}_explore PRIVATE Threads::Threads ${CMAKE_DL_LIBS})
  endif()

  if(INTERLEAVE_SANITIZER STREQUAL "" AND K_STRESS)
    add_executable(${K_ID}_stress ${K_STRESS} ${student_sources}
                   "${PROJECT_SOURCE_DIR}/harness/explore/stress_main.cpp"
                   $<TARGET_OBJECTS:kata_result_channel>)
    target_include_directories(${K_ID}_stress BEFORE PRIVATE "${student_dir}")
    target_include_directories(${K_ID}_stress PRIVATE "${PROJECT_SOURCE_DIR}/harness/include")
    target_compile_definitions(${K_ID}_stress PRIVATE EXPLORE_STRESS_BUILD)
    target_link_libraries(${K_ID}_stress PRIVATE Threads::Threads nlohmann_json::nlohmann_json)
  endif()
endfunction()
