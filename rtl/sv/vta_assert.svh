// Assertion macros in the manner of lowRISC's prim_assert: every assertion has a name, sits next to the
// logic it guards, and is checked at each rising clock edge outside reset. A failure calls the DPI
// function vta_assert_failed(name, scope); the simulation harness (sim/verilator) turns it into an
// error naming the assertion, its instance and the cycle. Models are verilated with --assert, and the
// checks can be switched off at run time (VerilatedContext::assertOn). Under SYNTHESIS (Yosys defines
// it) every macro expands to nothing.
//
// The checks are immediate assertions in clocked blocks: a concurrent `assert property` would cost the
// verilated model a sampled copy of every signal it reads at every evaluation, while a stability check
// here keeps the one earlier value it needs in its own register.
//
//   `VTA_ASSERT(Name_A, cond)                     cond holds at every edge
//   `VTA_ASSERT_IF(Name_A, cond, en)              cond holds at every edge where en does
//   `VTA_ASSERT_NEVER(Name_A, cond)               cond never holds
//   `VTA_ASSERT_ONEHOT0(Name_A, vec)              at most one bit of vec is set
//   `VTA_ASSERT_STABLE(Name_A, valid, ready, payload)
//                                                 a valid that was not taken is still valid next cycle,
//                                                 with the same payload (AXI handshake rule)
//   `VTA_ASSERT_INIT(Name_A, cond)                a parameter restriction, checked once at time zero
// The clocked ones take an optional clock and active-low asynchronous reset (default clk_i, rst_ni).
`ifndef VTA_ASSERT_SVH
`define VTA_ASSERT_SVH

`ifdef SYNTHESIS

`define VTA_ASSERT(__name, __cond, __clk = clk_i, __rst_n = rst_ni)
`define VTA_ASSERT_IF(__name, __cond, __en, __clk = clk_i, __rst_n = rst_ni)
`define VTA_ASSERT_NEVER(__name, __cond, __clk = clk_i, __rst_n = rst_ni)
`define VTA_ASSERT_ONEHOT0(__name, __vec, __clk = clk_i, __rst_n = rst_ni)
`define VTA_ASSERT_STABLE(__name, __valid, __ready, __payload, __clk = clk_i, __rst_n = rst_ni)
`define VTA_ASSERT_INIT(__name, __cond)

`else

import "DPI-C" function void vta_assert_failed(input string name, input string scope);

`define VTA_ASSERT(__name, __cond, __clk = clk_i, __rst_n = rst_ni)                   \
  always_ff @(posedge __clk or negedge __rst_n) begin : __name                          \
    if (__rst_n) assert (__cond) else vta_assert_failed(`"__name`", $sformatf("%m"));  \
  end

`define VTA_ASSERT_IF(__name, __cond, __en, __clk = clk_i, __rst_n = rst_ni)          \
  `VTA_ASSERT(__name, !(__en) || (__cond), __clk, __rst_n)

`define VTA_ASSERT_NEVER(__name, __cond, __clk = clk_i, __rst_n = rst_ni)              \
  `VTA_ASSERT(__name, !(__cond), __clk, __rst_n)

`define VTA_ASSERT_ONEHOT0(__name, __vec, __clk = clk_i, __rst_n = rst_ni)             \
  `VTA_ASSERT(__name, $onehot0(__vec), __clk, __rst_n)

`define VTA_ASSERT_STABLE(__name, __valid, __ready, __payload, __clk = clk_i, __rst_n = rst_ni) \
  logic __name``_wait_q;                                                                \
  logic [$bits(__payload)-1:0] __name``_payload_q;                                       \
  always_ff @(posedge __clk or negedge __rst_n) begin : __name                          \
    if (!__rst_n) begin                                                                 \
      __name``_wait_q <= 1'b0;                                                          \
    end else begin                                                                      \
      if (__name``_wait_q) assert ((__valid) && ((__payload) == __name``_payload_q))     \
        else vta_assert_failed(`"__name`", $sformatf("%m"));                            \
      __name``_wait_q <= (__valid) && !(__ready);                                       \
      if ((__valid) && !(__ready)) __name``_payload_q <= __payload;                     \
    end                                                                                 \
  end

`define VTA_ASSERT_INIT(__name, __cond)                                                \
  initial begin : __name                                                                \
    assert (__cond) else vta_assert_failed(`"__name`", $sformatf("%m"));               \
  end

`endif

`endif  // VTA_ASSERT_SVH
