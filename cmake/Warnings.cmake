# dcoc::warnings: linked PRIVATE by the project's own targets only, so generated code (verilated
# models) builds without them.
add_library(dcoc_warnings INTERFACE)
add_library(dcoc::warnings ALIAS dcoc_warnings)
target_compile_options(dcoc_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${DCOC_WARNINGS_AS_ERRORS}>:-Werror>)
