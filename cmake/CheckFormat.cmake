# Fails when any C++ source differs from what clang-format makes of it.
file(GLOB_RECURSE sources
  ${SOURCE_DIR}/src/*.cc ${SOURCE_DIR}/src/*.h ${SOURCE_DIR}/cmd/*.cc ${SOURCE_DIR}/cmd/*.h
  ${SOURCE_DIR}/tests/*.cc ${SOURCE_DIR}/tests/*.h ${SOURCE_DIR}/bench/*.cc ${SOURCE_DIR}/fuzz/*.cc)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${sources}
                RESULT_VARIABLE rc ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "clang-format would change these files (run scripts/format.sh):\n${out}")
endif()
