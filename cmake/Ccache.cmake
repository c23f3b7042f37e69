# Use ccache when it is installed: rebuilds on 2 cores are otherwise dominated by recompilation.
find_program(DCOC_CCACHE ccache)
if(DCOC_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${DCOC_CCACHE})
  message(STATUS "dcoc: ccache enabled (${DCOC_CCACHE})")
endif()
