# Warning flags shared by every edgeid target.
add_library(edgeid_warnings INTERFACE)
target_compile_options(edgeid_warnings INTERFACE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                                                 -Wold-style-cast -Wcast-align -Woverloaded-virtual
                                                 -Wimplicit-fallthrough)
if(EDGEID_WERROR)
  target_compile_options(edgeid_warnings INTERFACE -Werror)
endif()

# edgeid_library(NAME SOURCES... DEPS ...): one library per concern, headers under src/.
function(edgeid_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE edgeid_warnings)
endfunction()
