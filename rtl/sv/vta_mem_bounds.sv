// Scratchpad bounds of a LOAD or STORE (combinational): the rows it writes (LOAD: the padded
// rectangle) or reads (STORE: y_size x x_size) must lie below the buffer's depth. A zero-size
// instruction moves nothing and is always in bounds. addr_o is the first row past the end touched.
module vta_mem_bounds (
  input  vta_pkg::mem_insn_t insn_i,
  input  logic               store_i,
  input  logic [31:0]        depth_i,
  output logic               oob_o,
  output logic [31:0]        addr_o
);

  localparam int unsigned NW = vta_pkg::SIZE_W + 1;  // a padded dimension
  localparam int unsigned RW = 2 * NW;               // rows of the rectangle
  localparam int unsigned EW = RW + 2;               // base + rows

  logic [NW-1:0] ytot, xtot;
  logic [RW-1:0] rows;
  logic [EW-1:0] base, end_row, depth;

  assign ytot = store_i ? NW'(insn_i.y_size) : NW'(insn_i.y_pad_0) + NW'(insn_i.y_size) + NW'(insn_i.y_pad_1);
  assign xtot = store_i ? NW'(insn_i.x_size) : NW'(insn_i.x_pad_0) + NW'(insn_i.x_size) + NW'(insn_i.x_pad_1);
  assign rows = RW'(ytot) * RW'(xtot);
  assign base = EW'(insn_i.sram_base);
  assign depth = EW'(depth_i);
  assign end_row = base + EW'(rows);
  assign oob_o = (insn_i.y_size != '0) && (insn_i.x_size != '0) && (end_row > depth);
  assign addr_o = (base >= depth) ? 32'(base) : depth_i;

  logic unused_insn;
  assign unused_insn = ^insn_i;

endmodule
