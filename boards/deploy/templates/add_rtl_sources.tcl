set rtl [file join $here rtl]
set fl [open [file join $rtl vta.f]]
set sources {}
foreach line [split [read $fl] "\n"] {
  set line [string trim $line]
  if {$line eq "" || [string match "*.vlt" $line]} { continue }
  lappend sources [file join $rtl $line]
}
close $fl
add_files -norecurse $sources
set_property file_type SystemVerilog [get_files $sources]
add_files -norecurse [file join $rtl vta_kernel.v]
