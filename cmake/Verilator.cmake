# Prebuilt verilated VTA++ models: each configuration in DCOC_RTL_PREBUILT is generated
# (dcoc_rtlgen_tool) and verilated once at build time with the RTL assertions (--assert, class prefix
# Vvta_<preset>: the checking models the tests use), and each one in DCOC_RTL_PREBUILT_FAST also without
# them (Vvta_<preset>_fast: the release and benchmark models); the models are merged into one static
# archive, libdcoc_verilated_models.a. dcoc_vmodels adds the adapters and the
# registry that finds them, dcoc_verilated_rt the Verilator runtime compiled once. Models for other configurations are built on demand at run
# time and cached (sim/verilator/model_registry.cpp). Verilated code builds without dcoc::warnings.

# The presets, and default and 1x8x8 with the other GEMM multiplier implementations (GEMM_MAC lut, pack,
# and a mix of packed DSP48 pairs and LUT products), each verified against fsim by the RTL test suites.
set(DCOC_RTL_PREBUILT
    "default;1x8x8;2x16x32;4x32x8;1x32x32;min;1x16_i8w8a32_15_15_18_17_lut;1x16_i8w8a32_15_15_18_17_pack;1x8_i8w8a32_13_14_16_16_mix16"
    CACHE STRING "Presets or tags verilated at build time into dcoc_vmodels, with the RTL assertions")
set(DCOC_RTL_PREBUILT_FAST "default;1x32x32" CACHE STRING
    "Presets or tags also verilated without the RTL assertions (release and benchmark models)")
# Coverage build (scripts/rtl_coverage.sh): models with line and toggle coverage, written at exit.
option(DCOC_RTL_COVERAGE "Verilate the models with --coverage-line --coverage-toggle" OFF)

set(DCOC_VERILATOR_ROOT "${VERILATOR_ROOT}")
if(NOT DCOC_VERILATOR_ROOT)
  set(DCOC_VERILATOR_ROOT /usr/share/verilator)
endif()
find_program(DCOC_VERILATOR_EXE verilator REQUIRED)

# The verilated C++ is compiled for the x86-64-v3 level (AVX2, FMA, BMI2) when the build machine runs it:
# the GEMM's 8-bit sign extensions and multiply-adds vectorize with AVX2 (docs/benchmarks.md has the
# speed of the models built this way). Models are built on the machine
# that runs them (prebuilt at build time, on demand into the cache); set DCOC_VERILATOR_MARCH to "" to
# build portable models.
if(NOT DEFINED DCOC_VERILATOR_MARCH)
  set(_dcoc_march "")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    include(CheckCXXSourceRuns)
    set(CMAKE_REQUIRED_FLAGS -march=x86-64-v3)
    check_cxx_source_runs("int main() { __builtin_cpu_init(); return __builtin_cpu_supports(\"avx2\") && __builtin_cpu_supports(\"fma\") && __builtin_cpu_supports(\"bmi2\") ? 0 : 1; }"
                          DCOC_HAVE_X86_64_V3)
    unset(CMAKE_REQUIRED_FLAGS)
    if(DCOC_HAVE_X86_64_V3)
      set(_dcoc_march x86-64-v3)
    endif()
  endif()
  set(DCOC_VERILATOR_MARCH "${_dcoc_march}" CACHE STRING "-march for the verilated models' C++ (empty: the compiler's default)")
endif()

# Options shared by prebuilt and on-demand models (model_registry.cpp repeats them for on-demand builds);
# each model adds --assert or --noassert.
set(DCOC_VERILATOR_FLAGS --cc -O3 --x-assign fast --x-initial fast --trace-fst -Wno-fatal --top-module vta_top)
if(DCOC_VERILATOR_MARCH)
  list(APPEND DCOC_VERILATOR_FLAGS -CFLAGS -march=${DCOC_VERILATOR_MARCH})
endif()
set(_dcoc_vm_coverage 0)
if(DCOC_RTL_COVERAGE)
  list(APPEND DCOC_VERILATOR_FLAGS --coverage-line --coverage-toggle)
  set(_dcoc_vm_coverage 1)
endif()

add_library(dcoc_verilated_rt STATIC
  ${DCOC_VERILATOR_ROOT}/include/verilated.cpp
  ${DCOC_VERILATOR_ROOT}/include/verilated_fst_c.cpp
  ${DCOC_VERILATOR_ROOT}/include/verilated_threads.cpp
  ${DCOC_VERILATOR_ROOT}/include/verilated_dpi.cpp
  $<$<BOOL:${DCOC_RTL_COVERAGE}>:${DCOC_VERILATOR_ROOT}/include/verilated_cov.cpp>)
target_include_directories(dcoc_verilated_rt SYSTEM PUBLIC ${DCOC_VERILATOR_ROOT}/include
                           ${DCOC_VERILATOR_ROOT}/include/vltstd)
target_compile_definitions(dcoc_verilated_rt PUBLIC VM_TRACE=1 VM_TRACE_FST=1 VM_TRACE_VCD=0 VM_COVERAGE=${_dcoc_vm_coverage} VM_SC=0)
target_compile_options(dcoc_verilated_rt PRIVATE -O2 -fPIC -w)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
target_link_libraries(dcoc_verilated_rt PUBLIC Threads::Threads ZLIB::ZLIB ${CMAKE_DL_LIBS})

# dcoc_add_vmodels(<target> PRESETS ... [FAST ...]): verilates each preset with assertions (and each FAST
# one without) and builds <target> with the registry.
function(dcoc_add_vmodels target)
  cmake_parse_arguments(V "" "" "PRESETS;FAST" ${ARGN})
  set(sv_dir ${PROJECT_SOURCE_DIR}/rtl/sv)
  file(GLOB sv_sources CONFIGURE_DEPENDS ${sv_dir}/*.sv ${sv_dir}/*.svh ${sv_dir}/*.vlt)
  list(JOIN DCOC_VERILATOR_FLAGS " " vflags)
  set(archives "")
  set(model_cpps "")
  set(includes "")
  set(decls "")
  set(entries "")
  set(models "")
  foreach(preset IN LISTS V_PRESETS)
    list(APPEND models "${preset}|1")
  endforeach()
  foreach(preset IN LISTS V_FAST)
    list(APPEND models "${preset}|0")
  endforeach()
  foreach(model IN LISTS models)
    string(REPLACE "|" ";" parts "${model}")
    list(GET parts 0 preset)
    list(GET parts 1 asserts)
    string(MAKE_C_IDENTIFIER "${preset}" id)
    set(assert_flag --assert)
    set(assert_bool true)
    if(NOT asserts)
      set(id ${id}_fast)
      set(assert_flag --noassert)
      set(assert_bool false)
    endif()
    set(prefix Vvta_${id})
    set(dir ${CMAKE_BINARY_DIR}/vmodels/${id})
    set(archive ${dir}/obj/${prefix}__ALL.a)
    add_custom_command(
      OUTPUT ${archive} ${dir}/obj/${prefix}.h
      COMMAND $<TARGET_FILE:dcoc_rtlgen_tool> ${preset} ${dir}/src
      COMMAND sh -c "OBJCACHE=${DCOC_CCACHE} ${DCOC_VERILATOR_EXE} ${vflags} ${assert_flag} --build -j 1 --prefix ${prefix} --Mdir ${dir}/obj -MAKEFLAGS OPT_FAST=-O3 -MAKEFLAGS OPT_SLOW=-O1 -MAKEFLAGS OPT_GLOBAL=-O1 -CFLAGS -fPIC -F ${dir}/src/vta.f > ${dir}/verilate.log 2>&1 || (tail -40 ${dir}/verilate.log; exit 1)"
      DEPENDS dcoc_rtlgen_tool ${sv_sources}
      COMMENT "Verilating VTA++ ${preset}${assert_flag} (log: ${dir}/verilate.log)"
      VERBATIM)
    set(cpp ${CMAKE_BINARY_DIR}/vmodels/model_${id}.cpp)
    file(WRITE ${cpp}.in
      "// Generated by cmake/Verilator.cmake\n#include \"${prefix}.h\"\n#include \"sim/verilator/vta_model_adapter.h\"\n"
      "namespace dcoc::sim {\nstd::unique_ptr<VtaModel> MakeVtaModel_${id}() {\n"
      "  return std::make_unique<detail::VtaModelImpl<${prefix}>>(${assert_bool});\n}\n}  // namespace dcoc::sim\n")
    configure_file(${cpp}.in ${cpp} COPYONLY)
    set_source_files_properties(${cpp} PROPERTIES OBJECT_DEPENDS ${dir}/obj/${prefix}.h
                                INCLUDE_DIRECTORIES ${dir}/obj)
    list(APPEND archives ${archive})
    list(APPEND model_cpps ${cpp})
    string(APPEND decls "std::unique_ptr<VtaModel> MakeVtaModel_${id}();\n")
    string(APPEND entries "      {\"${preset}\", spec::ConfigTag(spec::LoadConfig(\"${preset}\")), ${assert_bool}, &MakeVtaModel_${id}},\n")
  endforeach()
  set(reg ${CMAKE_BINARY_DIR}/vmodels/prebuilt_models.cpp)
  file(WRITE ${reg}.in
    "// Generated by cmake/Verilator.cmake: the models verilated at build time.\n"
    "#include \"sim/verilator/vta_model.h\"\n\nnamespace dcoc::sim {\n${decls}\n"
    "const std::vector<PrebuiltModel>& PrebuiltModels() {\n  static const std::vector<PrebuiltModel> kModels = {\n"
    "${entries}  };\n  return kModels;\n}\n\n}  // namespace dcoc::sim\n")
  configure_file(${reg}.in ${reg} COPYONLY)

  # One archive with every prebuilt model (ar's MRI script merges the per-model archives).
  set(merged ${CMAKE_BINARY_DIR}/vmodels/libdcoc_verilated_models.a)
  set(mri "create ${merged}\n")
  foreach(a IN LISTS archives)
    string(APPEND mri "addlib ${a}\n")
  endforeach()
  string(APPEND mri "save\nend\n")
  file(WRITE ${CMAKE_BINARY_DIR}/vmodels/merge.mri.in "${mri}")
  configure_file(${CMAKE_BINARY_DIR}/vmodels/merge.mri.in ${CMAKE_BINARY_DIR}/vmodels/merge.mri COPYONLY)
  add_custom_command(
    OUTPUT ${merged}
    COMMAND ${CMAKE_COMMAND} -E rm -f ${merged}
    COMMAND sh -c "${CMAKE_AR} -M < ${CMAKE_BINARY_DIR}/vmodels/merge.mri"
    DEPENDS ${archives} ${CMAKE_BINARY_DIR}/vmodels/merge.mri
    COMMENT "Merging the verilated models into ${merged}"
    VERBATIM)
  add_custom_target(${target}_merge DEPENDS ${merged})

  add_library(${target} STATIC ${reg} ${model_cpps} ${PROJECT_SOURCE_DIR}/sim/verilator/assert_sink.cpp)
  add_dependencies(${target} ${target}_merge)
  target_compile_options(${target} PRIVATE -O2)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PUBLIC dcoc::spec ${merged} dcoc_verilated_rt)
endfunction()
