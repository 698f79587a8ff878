# The oldest CMake the course supports is 3.22 (Ubuntu 22.04, Gradescope's newest base image).
# Checks that nothing raised that floor: CMakePresets.json declares a version 3.22 reads (3 at
# most) and a cmakeMinimumRequired of 3.22 at most, the top CMakeLists.txt asks for 3.22 at most,
# and this CMake reads the presets, which it checks against the rules of their declared version
# (a field or macro of a later version is an error, "File version must be 4 or higher ...").
#
#   cmake -DPROJECT=ROOT -P cmake_floor.cmake
set(floor_minor 22)
file(READ "${PROJECT}/CMakePresets.json" presets)
string(JSON version GET "${presets}" version)
if(version GREATER 3)
  message(FATAL_ERROR "CMakePresets.json: version ${version}; CMake 3.22 reads presets up to version 3")
endif()
string(JSON major GET "${presets}" cmakeMinimumRequired major)
string(JSON minor GET "${presets}" cmakeMinimumRequired minor)
if(major GREATER 3 OR (major EQUAL 3 AND minor GREATER floor_minor))
  message(FATAL_ERROR "CMakePresets.json: cmakeMinimumRequired ${major}.${minor}, above 3.${floor_minor}")
endif()
file(READ "${PROJECT}/CMakeLists.txt" top)
if(NOT top MATCHES "cmake_minimum_required\\(VERSION ([0-9]+)\\.([0-9]+)")
  message(FATAL_ERROR "CMakeLists.txt: no cmake_minimum_required(VERSION X.Y)")
endif()
if(CMAKE_MATCH_1 GREATER 3 OR (CMAKE_MATCH_1 EQUAL 3 AND CMAKE_MATCH_2 GREATER floor_minor))
  message(FATAL_ERROR "CMakeLists.txt: cmake_minimum_required ${CMAKE_MATCH_1}.${CMAKE_MATCH_2}, above 3.${floor_minor}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --list-presets=all
                WORKING_DIRECTORY "${PROJECT}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --list-presets=all failed:\n${err}")
endif()
message(STATUS "presets version ${version}, minimum ${major}.${minor}; CMakeLists.txt ${CMAKE_MATCH_1}.${CMAKE_MATCH_2}; the presets read under version ${version}'s rules")
