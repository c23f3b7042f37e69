# DCOC_SANITIZE=address;undefined turns sanitizers on for every target (the debug preset uses it).
set(DCOC_SANITIZE "" CACHE STRING "Sanitizers to enable, e.g. address;undefined")
if(DCOC_SANITIZE)
  list(JOIN DCOC_SANITIZE "," _dcoc_san)
  add_compile_options(-fsanitize=${_dcoc_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_dcoc_san})
  message(STATUS "dcoc: sanitizers ${_dcoc_san}")
endif()
