# dcoc_embed_files(<target> FUNCTION <ns::Name> BASE <dir> FILES <file>...): a static library with
# `std::span<const dcoc::EmbeddedFile> <ns::Name>()` returning each file's path (relative to BASE) and
# contents, regenerated when a file changes. See host/common/embed.h.
function(dcoc_embed_files target)
  cmake_parse_arguments(E "" "FUNCTION;BASE" "FILES" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}.cpp)
  list(JOIN E_FILES "|" joined)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DFUNCTION=${E_FUNCTION} -DBASE=${E_BASE} "-DFILES=${joined}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    COMMENT "Embedding ${target}"
    VERBATIM)
  add_library(${target} STATIC ${out})
  target_link_libraries(${target} PUBLIC dcoc::common)
endfunction()
