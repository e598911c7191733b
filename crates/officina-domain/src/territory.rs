//! Where a workshop works, as ISTAT codes: the twenty regions by their two-digit codes, and
//! provinces (and metropolitan cities) by their three-digit codes. The free-text territory
//! ("Area interna Alta Marmilla") stays, for people; the codes are what lists filter on.

use crate::error::DomainError;

/// An Italian region, as ISTAT numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// The ISTAT code, two digits (`"12"`).
    pub code: &'static str,
    /// Its official name (`"Lazio"`).
    pub name: &'static str,
}

/// The twenty regions, in ISTAT order.
pub const REGIONS: [Region; 20] = [
    Region { code: "01", name: "Piemonte" },
    Region { code: "02", name: "Valle d'Aosta/Vallée d'Aoste" },
    Region { code: "03", name: "Lombardia" },
    Region { code: "04", name: "Trentino-Alto Adige/Südtirol" },
    Region { code: "05", name: "Veneto" },
    Region { code: "06", name: "Friuli-Venezia Giulia" },
    Region { code: "07", name: "Liguria" },
    Region { code: "08", name: "Emilia-Romagna" },
    Region { code: "09", name: "Toscana" },
    Region { code: "10", name: "Umbria" },
    Region { code: "11", name: "Marche" },
    Region { code: "12", name: "Lazio" },
    Region { code: "13", name: "Abruzzo" },
    Region { code: "14", name: "Molise" },
    Region { code: "15", name: "Campania" },
    Region { code: "16", name: "Puglia" },
    Region { code: "17", name: "Basilicata" },
    Region { code: "18", name: "Calabria" },
    Region { code: "19", name: "Sicilia" },
    Region { code: "20", name: "Sardegna" },
];

/// The highest ISTAT province code in use (the provinces of Sardinia reorganized in 2016 and
/// 2021 reach 111).
const LAST_PROVINCE: u32 = 111;

/// The region `text` names: its ISTAT code (`"12"`, or `"1"` for `"01"`), or its name in any case
/// and spacing (`"friuli venezia giulia"`; the part before a slash is enough for the bilingual
/// names).
pub fn region(text: &str) -> Option<&'static Region> {
    let text = text.trim();
    if let Ok(number) = text.parse::<u32>() {
        return REGIONS.iter().find(|region| region.code.parse::<u32>().ok() == Some(number));
    }
    let key = crate::organization::name_key(text);
    REGIONS.iter().find(|region| {
        crate::organization::name_key(region.name) == key
            || region.name.split('/').any(|part| crate::organization::name_key(part) == key)
    })
}

/// The region codes of a command, checked and in order, each once.
pub fn region_codes(codes: Vec<String>) -> Result<Vec<String>, DomainError> {
    crate::text::at_most("regions", &codes, REGIONS.len())?;
    let mut checked: Vec<String> = Vec::with_capacity(codes.len());
    for code in codes {
        let region = region(&code).filter(|_| code.trim().chars().all(|c| c.is_ascii_digit()));
        match region {
            Some(region) => checked.push(region.code.to_owned()),
            None => return Err(DomainError::UnknownTerritoryCode { field: "regions" }),
        }
    }
    checked.sort();
    checked.dedup();
    Ok(checked)
}

/// The province codes of a command: three digits each, 001 to 111, in order, each once.
pub fn province_codes(codes: Vec<String>) -> Result<Vec<String>, DomainError> {
    crate::text::at_most("provinces", &codes, LAST_PROVINCE as usize)?;
    let mut checked: Vec<String> = Vec::with_capacity(codes.len());
    for code in codes {
        let code = code.trim();
        match code.parse::<u32>() {
            Ok(number)
                if (1..=LAST_PROVINCE).contains(&number) && code.len() <= 3 && code.chars().all(|c| c.is_ascii_digit()) =>
            {
                checked.push(format!("{number:03}"))
            }
            _ => return Err(DomainError::UnknownTerritoryCode { field: "provinces" }),
        }
    }
    checked.sort();
    checked.dedup();
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_found_by_code_or_by_name_in_any_case() {
        assert_eq!(region("12").map(|r| r.name), Some("Lazio"));
        assert_eq!(region("6").map(|r| r.code), Some("06"));
        assert_eq!(region("friuli venezia giulia").map(|r| r.code), Some("06"));
        assert_eq!(region("VALLE D'AOSTA").map(|r| r.code), Some("02"));
        assert_eq!(region("Sardegna ").map(|r| r.code), Some("20"));
        assert_eq!(region("21"), None);
        assert_eq!(region("Padania"), None);
    }

    #[test]
    fn codes_are_checked_sorted_and_kept_once() {
        assert_eq!(region_codes(vec!["20".into(), "9".into(), "09".into()]), Ok(vec!["09".to_owned(), "20".to_owned()]));
        assert_eq!(region_codes(vec!["Lazio".into()]), Err(DomainError::UnknownTerritoryCode { field: "regions" }));
        assert_eq!(region_codes(vec!["00".into()]), Err(DomainError::UnknownTerritoryCode { field: "regions" }));
        assert_eq!(province_codes(vec!["95".into(), "077".into()]), Ok(vec!["077".to_owned(), "095".to_owned()]));
        assert!(province_codes(vec!["112".into()]).is_err());
        assert!(province_codes(vec!["0051".into()]).is_err());
        assert!(province_codes(vec!["-1".into()]).is_err());
    }
}
