fn main() {
    heycat_codegen::Builder::new().generate_or_exit();
}
