# Applies INTERLEAVE_SANITIZER to everything built in this tree (GoogleTest included, so that
# ThreadSanitizer sees its synchronisation too). Sanitizers that cannot be combined are refused.
if(INTERLEAVE_SANITIZER STREQUAL "")
  return()
elseif(INTERLEAVE_SANITIZER STREQUAL "thread")
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "The tsan preset grades with clang; CMAKE_CXX_COMPILER is ${CMAKE_CXX_COMPILER}")
  endif()
  add_compile_options(-fsanitize=thread -O1 -g -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(INTERLEAVE_SANITIZER STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -O1 -g
                      -fno-omit-frame-pointer)
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
