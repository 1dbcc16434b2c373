pub mod header;
pub mod throughput_chart;
