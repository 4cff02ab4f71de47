# "unit: format": every C++ source and header of the project in the one style
# of .clang-format, as clang-format 14 (Debian 12's) writes it. Fails naming
# each file that differs; `clang-format -i FILE` mends it.
# cmake -DCLANG_FORMAT=... -DSOURCE_DIR=... -P format_check.cmake
if(NOT CLANG_FORMAT)
  # ctest reports the test as skipped on these words; scripts/test.sh installs
  # clang-format-14, so CI never skips.
  message("clang-format-14 is not installed (apt-get install clang-format-14): format check skipped")
  return()
endif()
file(GLOB_RECURSE files LIST_DIRECTORIES false
     ${SOURCE_DIR}/src/*.cpp ${SOURCE_DIR}/src/*.hpp ${SOURCE_DIR}/include/*.hpp
     ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.hpp ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.hpp)
# One run over every file: clang-format names each one that differs on stderr.
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror --style=file ${files}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE report)
set(bad "")
if(NOT rc EQUAL 0)
  string(REGEX MATCHALL "[^\n]+: error: code should be clang-formatted" hits "${report}")
  foreach(hit IN LISTS hits)
    string(REGEX REPLACE ":[0-9]+:[0-9]+: error: code should be clang-formatted$" "" f "${hit}")
    file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
    list(APPEND bad ${rel})
  endforeach()
  list(REMOVE_DUPLICATES bad)
  if(NOT bad)
    message(FATAL_ERROR "format: clang-format failed (${rc}):\n${report}")
  endif()
endif()
list(LENGTH files n)
list(LENGTH bad nbad)
if(nbad GREATER 0)
  list(JOIN bad "\n  " shown)
  message(FATAL_ERROR "format: ${nbad} of ${n} files differ from .clang-format (clang-format -i FILE):\n  ${shown}")
endif()
message("format: ${n} files, all in .clang-format's style")
