// A dependency-token queue: tokens carry no data, so the queue is a counter of capacity
// DEP_QUEUE_DEPTH. A module pops before it executes and pushes after; it checks room before starting.
`include "vta_assert.svh"

module vta_token_queue (
  input  logic                             clk_i,
  input  logic                             rst_ni,
  input  logic                             clear_i,  // start of a run: queues start empty
  input  logic                             push_i,
  input  logic                             pop_i,
  output logic                             has_token_o,
  output logic                             has_room_o,
  output logic [vta_pkg::TOKEN_CNT_W-1:0]  count_o
);

  localparam logic [vta_pkg::TOKEN_CNT_W-1:0] Full = vta_pkg::TOKEN_CNT_W'(vta_pkg::DEP_QUEUE_DEPTH);

  logic [vta_pkg::TOKEN_CNT_W-1:0] cnt_q;
  logic push, pop;

  assign has_token_o = cnt_q != '0;
  assign has_room_o  = cnt_q != Full;
  assign count_o     = cnt_q;
  assign push        = push_i && has_room_o;
  assign pop         = pop_i && has_token_o;

  // A push into a full queue would lose a token, a pop from an empty one invent one: the modules check
  // room and tokens before they start an instruction.
  `VTA_ASSERT_IF(NoOverflow_A, has_room_o, push_i && !clear_i)
  `VTA_ASSERT_IF(NoUnderflow_A, has_token_o, pop_i && !clear_i)

  // The count changes only with a clear, or a push without a pop (or the reverse).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) cnt_q <= '0;
    else if (clear_i) cnt_q <= '0;
    else if (push != pop) cnt_q <= push ? cnt_q + 1'b1 : cnt_q - 1'b1;
  end

endmodule
