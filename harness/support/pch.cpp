// The translation unit that builds the harness's precompiled headers (harness/CMakeLists.txt).
