# Finds the libraries each half needs. Every one is a Debian package; `./kata` installs them.
find_package(Threads REQUIRED)

if(INTERLEAVE_GRADER)
  find_package(yaml-cpp REQUIRED)
  find_package(nlohmann_json 3.10 REQUIRED)
  find_package(fmt REQUIRED)
  # pugixml (Debian's libpugixml-dev) writes the JUnit XML report.
  find_package(pugixml REQUIRED)
  find_package(CLI11 QUIET CONFIG)
  if(NOT CLI11_FOUND)
    # Debian's libcli11-dev ships the header without a CMake package on some releases.
    find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
    add_library(CLI11::CLI11 INTERFACE IMPORTED)
    target_include_directories(CLI11::CLI11 INTERFACE "${CLI11_INCLUDE_DIR}")
  endif()
endif()

if(INTERLEAVE_GRADER OR INTERLEAVE_KATAS)
  # GoogleTest is compiled from Debian's source package inside this tree so that the tsan and
  # asan presets instrument it along with the code under test.
  set(INTERLEAVE_GTEST_SOURCE "/usr/src/googletest" CACHE PATH "GoogleTest sources")
  if(NOT EXISTS "${INTERLEAVE_GTEST_SOURCE}/CMakeLists.txt")
    message(FATAL_ERROR "GoogleTest sources not found in ${INTERLEAVE_GTEST_SOURCE}: install the Debian package 'googletest'")
  endif()
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
  add_subdirectory("${INTERLEAVE_GTEST_SOURCE}" "${CMAKE_BINARY_DIR}/_deps/googletest" EXCLUDE_FROM_ALL)
  # Its headers are system headers to everything that links it (no warnings from inside them):
  # what add_subdirectory(... SYSTEM) does from CMake 3.25 on, spelled so that 3.22 (Ubuntu
  # 22.04, Gradescope's newest image) accepts it.
  foreach(target IN ITEMS gtest gtest_main)
    get_target_property(gtest_includes ${target} INTERFACE_INCLUDE_DIRECTORIES)
    set_target_properties(${target} PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${gtest_includes}")
  endforeach()
endif()

if(INTERLEAVE_KATAS)
  # The model-based tests (harness/NN-name/*_model_test.cpp): Debian's librapidcheck-dev.
  find_package(rapidcheck REQUIRED)
endif()

if(INTERLEAVE_KATAS AND INTERLEAVE_SANITIZER MATCHES "^(thread)?$")
  # The explorer's report (harness/explore/driver.cpp, tsan tree) and the litmus tests' real
  # runs (harness/explore/stress_main.cpp, release tree).
  find_package(nlohmann_json 3.10 REQUIRED)
endif()

if(INTERLEAVE_KATAS AND INTERLEAVE_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()

if(INTERLEAVE_GRADER)
  # libcsv (Debian's libcsv-dev) parses the review's roster and manual-score CSV files.
  find_path(LIBCSV_INCLUDE_DIR csv.h)
  find_library(LIBCSV_LIBRARY csv)
  if(NOT LIBCSV_INCLUDE_DIR OR NOT LIBCSV_LIBRARY)
    message(FATAL_ERROR "libcsv not found (csv.h and libcsv): install the Debian package 'libcsv-dev'")
  endif()
  add_library(Csv::Csv UNKNOWN IMPORTED)
  set_target_properties(Csv::Csv PROPERTIES
    IMPORTED_LOCATION "${LIBCSV_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LIBCSV_INCLUDE_DIR}")
endif()
