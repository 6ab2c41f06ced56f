#[path = "integration/browser.rs"] mod browser;
