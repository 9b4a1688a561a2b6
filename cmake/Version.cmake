# The build's version: the project version, and the commit it was built from when the sources are
# a git checkout (`git describe` at configure time). A release tarball has no .git and gets the
# project version alone; a tarball unpacked inside some other repository must not take that
# repository's commit, hence the check that the work tree is this project's.
set(EDGEID_VERSION "${PROJECT_VERSION}")
set(EDGEID_REVISION "")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} rev-parse --show-toplevel
                  OUTPUT_VARIABLE edgeid_git_top OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE edgeid_git_rc ERROR_QUIET)
  if(edgeid_git_rc EQUAL 0 AND edgeid_git_top)
    file(REAL_PATH "${edgeid_git_top}" edgeid_git_top)
    file(REAL_PATH "${PROJECT_SOURCE_DIR}" edgeid_source_real)
  endif()
  if(edgeid_git_rc EQUAL 0 AND edgeid_git_top STREQUAL edgeid_source_real)
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} describe --always --dirty
                    OUTPUT_VARIABLE EDGEID_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                    RESULT_VARIABLE edgeid_git_rc ERROR_QUIET)
    if(NOT edgeid_git_rc EQUAL 0)
      set(EDGEID_REVISION "")
    endif()
  endif()
endif()
message(STATUS "edgeid version ${EDGEID_VERSION} (revision: ${EDGEID_REVISION})")
