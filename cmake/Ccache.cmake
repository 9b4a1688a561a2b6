# Use ccache when it is installed: CI rebuilds from a clean clone and ccache keeps that quick.
find_program(EDGEID_CCACHE ccache)
if(EDGEID_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${EDGEID_CCACHE})
endif()
