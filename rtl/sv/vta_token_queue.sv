// A dependency-token queue: tokens carry no data, so the queue is a counter of capacity
// DEP_QUEUE_DEPTH. A module pops before it executes and pushes after; it checks room before starting.
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

  logic [vta_pkg::TOKEN_CNT_W-1:0] cnt_q, cnt_d;

  assign has_token_o = cnt_q != '0;
  assign has_room_o  = cnt_q != Full;
  assign count_o     = cnt_q;

  always_comb begin
    cnt_d = cnt_q;
    if (clear_i) begin
      cnt_d = '0;
    end else begin
      unique case ({push_i && has_room_o, pop_i && has_token_o})
        2'b10:   cnt_d = cnt_q + 1'b1;
        2'b01:   cnt_d = cnt_q - 1'b1;
        default: cnt_d = cnt_q;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) cnt_q <= '0;
    else cnt_q <= cnt_d;
  end

endmodule
