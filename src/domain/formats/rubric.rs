//! The rubric (SPEC §1): areas, criteria, four behaviourally anchored levels, and which rater
//! groups can observe each criterion. Loaded from TOML and validated strictly; a cycle keeps a
//! JSON snapshot of it so that editing the file never changes a running or past cycle.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::domain::relationship::Relationship;

/// Text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    /// The text in `locale`.
    pub fn get(&self, locale: crate::domain::locale::Locale) -> &str {
        match locale {
            crate::domain::locale::Locale::Zh => &self.zh,
            crate::domain::locale::Locale::En => &self.en,
        }
    }
}

/// One of the four scale points (1 不满意 … 4 出色).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleLevel {
    pub level: u8,
    pub label: Text,
    pub meaning: Text,
}

/// A competency area and its criteria, in rubric order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub id: String,
    pub name: Text,
    pub criteria: Vec<Criterion>,
}

/// One criterion with its four anchored descriptors and the groups that can observe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub id: String,
    pub area_id: String,
    pub name: Text,
    /// Descriptors for levels 1..=4, in order.
    pub descriptors: Vec<Text>,
    pub raters: Vec<Relationship>,
}

impl Criterion {
    /// Whether a rater in `group` sees this criterion on their form.
    pub fn observable_by(&self, group: Relationship) -> bool {
        self.raters.contains(&group)
    }
}

/// The validated rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rubric {
    pub id: String,
    pub title: Text,
    pub scale: Vec<ScaleLevel>,
    pub areas: Vec<Area>,
}

/// Field names a criterion id must not take: they are the form's own fields.
const RESERVED_IDS: [&str; 4] = ["action", "strengths", "improvements", "lang"];

impl Rubric {
    /// Every criterion in rubric order.
    pub fn criteria(&self) -> impl Iterator<Item = &Criterion> {
        self.areas.iter().flat_map(|a| a.criteria.iter())
    }

    /// The criterion with this id.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria().find(|c| c.id == id)
    }

    /// The criteria a rater of `group` sees, in rubric order.
    pub fn criteria_for(&self, group: Relationship) -> impl Iterator<Item = &Criterion> {
        self.criteria().filter(move |c| c.observable_by(group))
    }

    /// Parses and validates rubric TOML; `origin` names the file in error messages.
    pub fn from_toml(origin: &str, text: &str) -> Result<Rubric, RubricError> {
        let err = |field: String, problem: String| RubricError {
            origin: origin.to_owned(),
            field,
            problem,
        };
        let mut value: toml::Value =
            toml::from_str(text).map_err(|e| err("(file)".into(), e.message().to_owned()))?;
        strip_audit_fields(&mut value);
        let raw: RawRubric = value
            .try_into()
            .map_err(|e: toml::de::Error| err("(structure)".into(), e.message().to_owned()))?;
        raw.validate()
            .map_err(|(field, problem)| err(field, problem))
    }

    /// Serialises the rubric for a cycle snapshot.
    pub fn to_snapshot(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a cycle snapshot back.
    pub fn from_snapshot(json: &str) -> Result<Rubric, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// A rubric file that cannot be used, naming the file and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {field}: {problem}")]
pub struct RubricError {
    pub origin: String,
    pub field: String,
    pub problem: String,
}

/// Audit-only fields of the shared rubric that the project may keep or drop.
fn strip_audit_fields(value: &mut toml::Value) {
    match value {
        toml::Value::Table(table) => {
            table.retain(|k, _| {
                !(k.ends_with("_source")
                    || k == "raters_borderline"
                    || k == "split_confidence"
                    || k == "source_file"
                    || k == "notes_file")
            });
            for (_, v) in table.iter_mut() {
                strip_audit_fields(v);
            }
        }
        toml::Value::Array(items) => items.iter_mut().for_each(strip_audit_fields),
        _ => {}
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRubric {
    schema_version: u32,
    rubric_id: String,
    title_zh: String,
    title_en: String,
    rater_group_ids: Vec<String>,
    rater_groups: Vec<RawGroup>,
    levels: Vec<RawLevel>,
    areas: Vec<RawArea>,
    criteria: Vec<RawCriterion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: String,
    name_zh: String,
    name_en: String,
    description_zh: String,
    description_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    id: i64,
    label_zh: String,
    label_en: String,
    meaning_zh: String,
    meaning_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    id: String,
    order: i64,
    name_zh: String,
    name_en: String,
    criteria: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: String,
    area: String,
    order: i64,
    name_zh: String,
    name_en: String,
    raters: Vec<String>,
    levels: Vec<RawDescriptor>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDescriptor {
    level: i64,
    zh: String,
    en: String,
}

type FieldProblem = (String, String);

fn text(field: &str, zh: &str, en: &str) -> Result<Text, FieldProblem> {
    for (lang, value) in [("zh", zh), ("en", en)] {
        if value.trim().is_empty() {
            return Err((format!("{field}_{lang}"), "missing text".into()));
        }
    }
    Ok(Text {
        zh: zh.trim().to_owned(),
        en: en.trim().to_owned(),
    })
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !id.contains("__")
        && !RESERVED_IDS.contains(&id)
}

impl RawRubric {
    fn validate(self) -> Result<Rubric, FieldProblem> {
        if self.schema_version != 1 {
            return Err((
                "schema_version".into(),
                format!("unsupported version {}", self.schema_version),
            ));
        }
        let title = text("title", &self.title_zh, &self.title_en)?;
        for (i, g) in self.rater_group_ids.iter().enumerate() {
            Relationship::parse(g).ok_or_else(|| {
                (
                    format!("rater_group_ids[{i}]"),
                    format!("unknown rater group '{g}'"),
                )
            })?;
        }
        for (i, g) in self.rater_groups.iter().enumerate() {
            let field = format!("rater_groups[{i}]");
            Relationship::parse(&g.id).ok_or_else(|| {
                (
                    format!("{field}.id"),
                    format!("unknown rater group '{}'", g.id),
                )
            })?;
            text(&format!("{field}.name"), &g.name_zh, &g.name_en)?;
            text(
                &format!("{field}.description"),
                &g.description_zh,
                &g.description_en,
            )?;
        }
        let scale = scale(&self.levels)?;
        let mut criteria: Vec<(i64, Criterion)> = Vec::new();
        let mut seen = HashSet::new();
        for (i, c) in self.criteria.iter().enumerate() {
            let field = format!("criteria[{i}] ({})", c.id);
            if !valid_id(&c.id) {
                return Err((format!("criteria[{i}].id"), format!("invalid id '{}' (lowercase letters, digits and single underscores; not a form field name)", c.id)));
            }
            if !seen.insert(c.id.clone()) {
                return Err((
                    format!("criteria[{i}].id"),
                    format!("duplicate id '{}'", c.id),
                ));
            }
            criteria.push((c.order, criterion(&field, c)?));
        }
        let mut areas_raw: Vec<&RawArea> = self.areas.iter().collect();
        let mut area_ids = HashSet::new();
        for (i, a) in self.areas.iter().enumerate() {
            if !valid_id(&a.id) {
                return Err((format!("areas[{i}].id"), format!("invalid id '{}'", a.id)));
            }
            if !area_ids.insert(a.id.as_str()) {
                return Err((format!("areas[{i}].id"), format!("duplicate id '{}'", a.id)));
            }
            text(&format!("areas[{i}].name"), &a.name_zh, &a.name_en)?;
        }
        for (i, (_, c)) in criteria.iter().enumerate() {
            if !area_ids.contains(c.area_id.as_str()) {
                return Err((
                    format!("criteria[{i}] ({}).area", c.id),
                    format!("unknown area '{}'", c.area_id),
                ));
            }
        }
        areas_raw.sort_by_key(|a| a.order);
        let mut areas = Vec::new();
        let mut listed = HashSet::new();
        for a in areas_raw {
            for id in &a.criteria {
                let owner = criteria.iter().find(|(_, c)| &c.id == id);
                match owner {
                    None => {
                        return Err((
                            format!("areas ({}).criteria", a.id),
                            format!("unknown criterion '{id}'"),
                        ))
                    }
                    Some((_, c)) if c.area_id != a.id => {
                        return Err((
                            format!("areas ({}).criteria", a.id),
                            format!("criterion '{id}' belongs to area '{}'", c.area_id),
                        ))
                    }
                    Some(_) => {
                        if !listed.insert(id.clone()) {
                            return Err((
                                format!("areas ({}).criteria", a.id),
                                format!("criterion '{id}' listed twice"),
                            ));
                        }
                    }
                }
            }
            let mut own: Vec<&(i64, Criterion)> =
                criteria.iter().filter(|(_, c)| c.area_id == a.id).collect();
            own.sort_by_key(|(order, _)| *order);
            if own.is_empty() {
                return Err((
                    format!("areas ({}).criteria", a.id),
                    "an area needs at least one criterion".into(),
                ));
            }
            areas.push(Area {
                id: a.id.clone(),
                name: text("areas.name", &a.name_zh, &a.name_en)?,
                criteria: own.into_iter().map(|(_, c)| c.clone()).collect(),
            });
        }
        if let Some((_, c)) = criteria.iter().find(|(_, c)| !listed.contains(&c.id)) {
            return Err((
                format!("criteria ({}).area", c.id),
                format!("not listed in area '{}'", c.area_id),
            ));
        }
        Ok(Rubric {
            id: self.rubric_id,
            title,
            scale,
            areas,
        })
    }
}

fn scale(levels: &[RawLevel]) -> Result<Vec<ScaleLevel>, FieldProblem> {
    if levels.len() != 4 {
        return Err((
            "levels".into(),
            format!("expected 4 levels (1–4), found {}", levels.len()),
        ));
    }
    let mut out = Vec::new();
    for (i, l) in levels.iter().enumerate() {
        let field = format!("levels[{i}]");
        if l.id != (i as i64) + 1 {
            return Err((
                format!("{field}.id"),
                format!("unknown level {} (expected {})", l.id, i + 1),
            ));
        }
        out.push(ScaleLevel {
            level: (i + 1) as u8,
            label: text(&format!("{field}.label"), &l.label_zh, &l.label_en)?,
            meaning: text(&format!("{field}.meaning"), &l.meaning_zh, &l.meaning_en)?,
        });
    }
    Ok(out)
}

fn criterion(field: &str, c: &RawCriterion) -> Result<Criterion, FieldProblem> {
    let name = text(&format!("{field}.name"), &c.name_zh, &c.name_en)?;
    if c.levels.len() != 4 {
        return Err((
            format!("{field}.levels"),
            format!("expected 4 levels (1–4), found {}", c.levels.len()),
        ));
    }
    let mut descriptors: Vec<Option<Text>> = vec![None, None, None, None];
    for (j, d) in c.levels.iter().enumerate() {
        let lf = format!("{field}.levels[{j}]");
        let slot = usize::try_from(d.level - 1)
            .ok()
            .filter(|s| *s < 4)
            .ok_or_else(|| (format!("{lf}.level"), format!("unknown level {}", d.level)))?;
        if descriptors[slot].is_some() {
            return Err((
                format!("{lf}.level"),
                format!("level {} given twice", d.level),
            ));
        }
        descriptors[slot] = Some(text(&lf, &d.zh, &d.en)?);
    }
    let descriptors: Vec<Text> = descriptors.into_iter().flatten().collect();
    let mut raters = Vec::new();
    for (j, r) in c.raters.iter().enumerate() {
        let group = Relationship::parse(r).ok_or_else(|| {
            (
                format!("{field}.raters[{j}]"),
                format!("unknown rater group '{r}'"),
            )
        })?;
        if raters.contains(&group) {
            return Err((
                format!("{field}.raters[{j}]"),
                format!("rater group '{r}' listed twice"),
            ));
        }
        raters.push(group);
    }
    for needed in [Relationship::Supervisor, Relationship::SelfReview] {
        if !raters.contains(&needed) {
            return Err((
                format!("{field}.raters"),
                format!("must include '{}'", needed.as_str()),
            ));
        }
    }
    Ok(Criterion {
        id: c.id.clone(),
        area_id: c.area.clone(),
        name,
        descriptors,
        raters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../config/rubric/kam.toml");

    fn load(text: &str) -> Result<Rubric, RubricError> {
        Rubric::from_toml("kam.toml", text)
    }

    fn broken(from: &str, to: &str) -> RubricError {
        assert!(SHIPPED.contains(from), "fixture text not found: {from}");
        load(&SHIPPED.replacen(from, to, 1)).expect_err("should be refused")
    }

    #[test]
    fn shipped_rubric_has_5_areas_19_criteria_4_levels() {
        let r = load(SHIPPED).expect("valid");
        assert_eq!(r.areas.len(), 5);
        assert_eq!(r.criteria().count(), 19);
        assert!(r.criteria().all(|c| c.descriptors.len() == 4));
        assert_eq!(r.scale[0].label.zh, "不满意");
        assert_eq!(r.scale[3].label.en, "Outstanding");
        assert_eq!(
            r.criteria().next().map(|c| c.id.as_str()),
            Some("relationship_quality")
        );
        assert_eq!(r.criteria_for(Relationship::Supervisor).count(), 19);
    }

    #[test]
    fn shared_rubric_with_audit_fields_is_accepted() {
        let shared = include_str!("../../../config/rubric/kam.toml");
        let with_audit = shared.replacen("rubric_id =", "source_file = \"x\"\nrubric_id =", 1)
            .replacen("raters = [\"customer\", \"supervisor\", \"self\"]", "raters = [\"customer\", \"supervisor\", \"self\"]\nraters_borderline = [\"team\"]\nname_zh_source = \"x\"", 1);
        assert!(load(&with_audit).is_ok());
    }

    #[test]
    fn snapshot_round_trips() {
        let r = load(SHIPPED).expect("valid");
        assert_eq!(Rubric::from_snapshot(&r.to_snapshot()).expect("json"), r);
    }

    #[test]
    fn unknown_level_is_refused() {
        let e = broken("  level = 4\n", "  level = 5\n");
        assert!(e.problem.contains("unknown level 5"), "{e}");
        assert!(e.field.contains("relationship_quality"), "{e}");
    }

    #[test]
    fn criterion_without_four_levels_is_refused() {
        let start = SHIPPED
            .find("  [[criteria.levels]]\n  level = 4")
            .expect("fixture");
        let end = SHIPPED[start..]
            .find("\n\n")
            .map(|i| start + i)
            .expect("fixture");
        let text = format!("{}{}", &SHIPPED[..start], &SHIPPED[end + 2..]);
        let e = load(&text).expect_err("refused");
        assert!(e.problem.contains("expected 4 levels"), "{e}");
        assert!(
            e.to_string()
                .starts_with("kam.toml: criteria[0] (relationship_quality).levels"),
            "{e}"
        );
    }

    #[test]
    fn unknown_rater_group_is_refused() {
        let e = broken(
            "raters = [\"customer\", \"supervisor\", \"self\"]",
            "raters = [\"client\", \"supervisor\", \"self\"]",
        );
        assert!(e.problem.contains("unknown rater group 'client'"), "{e}");
        assert!(e.field.ends_with(".raters[0]"), "{e}");
    }

    #[test]
    fn missing_zh_text_is_refused() {
        let e = broken("name_zh = \"客户关系的质量\"", "name_zh = \"\"");
        assert_eq!(e.field, "criteria[0] (relationship_quality).name_zh", "{e}");
        assert_eq!(e.problem, "missing text");
    }

    #[test]
    fn missing_en_descriptor_is_refused() {
        let e = broken(
            "  en = \"Has difficulty cooperating",
            "  en = \"\"\n  xx = \"Has difficulty cooperating",
        );
        // the unknown key is reported first: structure is checked before content
        assert!(e.problem.contains("unknown field"), "{e}");
        let e = broken("  en = \"Has difficulty cooperating", "  en = \" \"\n  #");
        assert_eq!(
            e.field, "criteria[0] (relationship_quality).levels[0]_en",
            "{e}"
        );
    }

    /// Each edit of the shipped rubric (from, to) and the problem it is refused with.
    const REFUSED: &[(&str, &str, &str)] = &[
        (
            "area = \"customer_relationship\"",
            "area = \"sales\"",
            "unknown area 'sales'",
        ),
        (
            "id = \"initiative_needs_sensitivity\"",
            "id = \"relationship_quality\"",
            "duplicate id 'relationship_quality'",
        ),
        (
            "rubric_id =",
            "colour = \"red\"\nrubric_id =",
            "unknown field `colour`",
        ),
        // the supervisor and the KAM themselves observe every criterion
        (
            "raters = [\"customer\", \"supervisor\", \"self\"]",
            "raters = [\"customer\", \"supervisor\"]",
            "must include 'self'",
        ),
        (
            "criteria = [\"relationship_quality\", \"initiative_needs_sensitivity\", \"influence\"]",
            "criteria = [\"relationship_quality\", \"initiative_needs_sensitivity\"]",
            "not listed in area",
        ),
        (
            "id = \"relationship_quality\"",
            "id = \"strengths\"",
            "invalid id 'strengths'",
        ),
    ];

    #[test]
    fn broken_rubrics_are_refused_with_their_problem() {
        for (from, to, problem) in REFUSED {
            let e = broken(from, to);
            assert!(e.problem.contains(problem), "{from} -> {to}: {e}");
        }
    }

    #[test]
    fn not_toml_is_refused_with_the_file_name() {
        let e = load("this is = = not toml").expect_err("refused");
        assert!(e.to_string().starts_with("kam.toml: (file):"), "{e}");
    }
}
