# Applies INTERLEAVE_SANITIZER to everything built in this tree (GoogleTest included, so that
# ThreadSanitizer sees its synchronisation too). Sanitizers that cannot be combined are refused.
# Both compile at -O0 with -g1 (clang: line tables only), measured on the producer-consumer's
# tests: 5 s to rebuild after an edit instead of 11-15 s at -O1 -g, and the tests themselves ran
# as fast (they wait far more than they compute). Line tables are all a report needs: the
# function, file and line of every frame, inlined ones included.
if(INTERLEAVE_SANITIZER STREQUAL "")
  return()
elseif(INTERLEAVE_SANITIZER STREQUAL "thread")
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "The tsan preset grades with clang; CMAKE_CXX_COMPILER is ${CMAKE_CXX_COMPILER}")
  endif()
  add_compile_options(-fsanitize=thread -O0 -g1 -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(INTERLEAVE_SANITIZER STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -O0
                      -g1 -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # clang's -fsanitize=function puts data before each function that coroutine splitting
    # cannot place ("Cannot represent a difference across sections", asio coroutines).
    add_compile_options(-fno-sanitize=function)
  endif()
else()
  message(FATAL_ERROR "INTERLEAVE_SANITIZER must be empty, 'thread' or 'address' (mixing them is not supported), got '${INTERLEAVE_SANITIZER}'")
endif()
if(INTERLEAVE_BENCHMARKS)
  message(STATUS "Benchmarks are not built under a sanitizer")
  set(INTERLEAVE_BENCHMARKS OFF CACHE BOOL "" FORCE)
endif()
