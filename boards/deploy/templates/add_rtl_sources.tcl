set rtl [file join $here rtl]
set fl [open [file join $rtl vta.f]]
set sources {}
foreach line [split [read $fl] "\n"] {
  set line [string trim $line]
  # Verilator's waivers and include directory: Vivado gets the directory as include_dirs below.
  if {$line eq "" || [string match "*.vlt" $line] || [string match "+incdir+*" $line]} { continue }
  lappend sources [file join $rtl $line]
}
close $fl
add_files -norecurse $sources
set_property file_type SystemVerilog [get_files $sources]
set_property include_dirs [list $rtl] [current_fileset]
add_files -norecurse [file join $rtl vta_kernel.v]
