//! SQL results as JSON objects with named fields.
//!
//! The SQL endpoint returns each row as a positional array (`[tag, value]` for sums, arrays for
//! products). Reducer arguments are written with names (`{"some": "x"}`, `{"field": ...}`).
//! [`named_rows`] turns the former into the latter using the schema that comes with the
//! result, so a test can compare what it wrote with what it reads back.

use serde_json::{Map, Value};

use crate::api::Api;
use crate::error::{Error, Result};

/// Runs one SQL statement and returns its rows as named JSON objects.
pub fn sql_rows(api: &Api, database: &str, query: &str) -> Result<Vec<Value>> {
    named_rows(&api.sql(database, query)?)
}

/// Converts the body of `POST /v1/database/NAME/sql` (one statement) into named rows.
pub fn named_rows(body: &str) -> Result<Vec<Value>> {
    let parsed: Value =
        serde_json::from_str(body).map_err(|e| Error::Server(format!("SQL answer is not JSON: {e}")))?;
    let Some(result) = parsed.as_array().and_then(|results| results.first()) else {
        return Ok(Vec::new());
    };
    let schema = &result["schema"];
    let rows = result["rows"].as_array().cloned().unwrap_or_default();
    Ok(rows.iter().map(|row| name_product(schema, row)).collect())
}

fn element_name(element: &Value) -> Option<&str> {
    element["name"]["some"].as_str()
}

fn name_product(product_type: &Value, value: &Value) -> Value {
    let elements = product_type["elements"].as_array().cloned().unwrap_or_default();
    let values = value.as_array().cloned().unwrap_or_default();
    if elements.is_empty() {
        return Value::Array(Vec::new());
    }
    let mut map = Map::new();
    for (i, element) in elements.iter().enumerate() {
        let name = element_name(element).map_or_else(|| i.to_string(), str::to_owned);
        let v = values.get(i).cloned().unwrap_or(Value::Null);
        map.insert(name, name_value(&element["algebraic_type"], &v));
    }
    Value::Object(map)
}

fn name_value(ty: &Value, value: &Value) -> Value {
    if let Some(product) = ty.get("Product") {
        return name_product(product, value);
    }
    if let Some(sum) = ty.get("Sum") {
        let tag = value.get(0).and_then(Value::as_u64).unwrap_or(0) as usize;
        let variant = &sum["variants"][tag];
        let name = element_name(variant).map_or_else(|| tag.to_string(), str::to_owned);
        let payload = name_value(&variant["algebraic_type"], value.get(1).unwrap_or(&Value::Null));
        return Value::Object(Map::from_iter([(name, payload)]));
    }
    if let Some(array) = ty.get("Array") {
        // Byte arrays come as hex strings; keep them so.
        if value.is_string() {
            return value.clone();
        }
        let items = value.as_array().cloned().unwrap_or_default();
        return Value::Array(items.iter().map(|item| name_value(array, item)).collect());
    }
    value.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_products_sums_and_arrays() {
        let body = json!([{
            "schema": {"elements": [
                {"name": {"some": "id"}, "algebraic_type": {"String": []}},
                {"name": {"some": "suffix"}, "algebraic_type": {"Sum": {"variants": [
                    {"name": {"some": "some"}, "algebraic_type": {"String": []}},
                    {"name": {"some": "none"}, "algebraic_type": {"Product": {"elements": []}}}]}}},
                {"name": {"some": "tags"}, "algebraic_type": {"Array": {"Product": {"elements": [
                    {"name": {"some": "key"}, "algebraic_type": {"String": []}}]}}}}
            ]},
            "rows": [["a", [0, "x"], [["k1"], ["k2"]]], ["b", [1, []], []]]
        }]);
        let rows = named_rows(&body.to_string()).unwrap();
        assert_eq!(
            rows,
            vec![
                json!({"id": "a", "suffix": {"some": "x"}, "tags": [{"key": "k1"}, {"key": "k2"}]}),
                json!({"id": "b", "suffix": {"none": []}, "tags": []}),
            ]
        );
    }
}
