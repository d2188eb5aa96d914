fn main() {}
mod tabular;
