fn main() {
    std::process::exit(duikou::cli::main(duikou::web::start));
}
