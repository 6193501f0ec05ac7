//! Reading WebDAV bodies: names in their namespaces, DTDs refused.

use super::*;
use crate::dav::answer::empty_element;

#[test]
fn a_new_calendar_body_gives_its_properties_components_and_type() {
    let mkcalendar = br#"<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:I="http://apple.com/ns/ical/">
        <D:set><D:prop><D:displayname>Errands &amp; more</D:displayname><I:calendar-color>#FF0000FF</I:calendar-color>
        <C:supported-calendar-component-set><C:comp name="vtodo"/><C:comp name="VEVENT"/></C:supported-calendar-component-set>
        </D:prop></D:set></C:mkcalendar>"#;
    let made = new_calendar(
        mkcalendar,
        &Name {
            namespace: CALDAV.into(),
            local: "mkcalendar".into(),
        },
    )
    .expect("read");
    let props: Vec<(&str, &str)> = made
        .props
        .iter()
        .map(|(name, text)| (name.local.as_str(), text.as_str()))
        .collect();
    assert_eq!(
        props,
        [
            ("displayname", "Errands & more"),
            ("calendar-color", "#FF0000FF")
        ]
    );
    assert_eq!(
        made.components,
        Some(vec!["VTODO".to_owned(), "VEVENT".to_owned()])
    );
    assert_eq!(made.resourcetype, None);

    let mkcol = br#"<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
        <D:resourcetype><D:collection/><C:calendar/></D:resourcetype></D:prop></D:set></D:mkcol>"#;
    let mkcol_root = Name {
        namespace: DAV.into(),
        local: "mkcol".into(),
    };
    let made = new_calendar(mkcol, &mkcol_root).expect("read");
    let kinds = made.resourcetype.expect("resourcetype");
    assert!(kinds[0].is(DAV, "collection") && kinds[1].is(CALDAV, "calendar"));
    assert!(made.props.is_empty());
    assert_eq!(new_calendar(b"", &mkcol_root), Ok(NewCalendar::default()));
    assert!(
        new_calendar(mkcalendar, &mkcol_root).is_err(),
        "the other method's body"
    );
}

#[test]
fn a_propfind_names_its_properties_in_their_namespaces() {
    let body = br#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
        <d:prop><d:displayname/><c:calendar-home-set/><x:odd xmlns:x="urn:x"/></d:prop></d:propfind>"#;
    let PropFind::Props(props) = propfind(body).expect("read") else {
        panic!("props")
    };
    assert_eq!(props.len(), 3);
    assert!(props[0].is(DAV, "displayname"));
    assert!(props[1].is(CALDAV, "calendar-home-set"));
    assert!(props[2].is("urn:x", "odd"));
    assert_eq!(propfind(b"").expect("empty"), PropFind::All);
}

#[test]
fn a_dtd_is_refused_and_an_entity_never_expanded() {
    let body = br#"<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>"#;
    assert!(propfind(body).is_err());
    let control = br#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>"#;
    assert_eq!(propfind(control).expect("read"), PropFind::All);
    assert!(propfind(b"<d:propfind xmlns:d=\"DAV:\"><d:prop></d:propfind>").is_err());
}

#[test]
fn a_proppatch_gives_what_it_sets_and_removes() {
    let body = br#"<d:propertyupdate xmlns:d="DAV:" xmlns:ic="http://apple.com/ns/ical/">
        <d:set><d:prop><d:displayname>Home</d:displayname><ic:calendar-color>#FF0000FF</ic:calendar-color></d:prop></d:set>
        <d:remove><d:prop><ic:calendar-order/></d:prop></d:remove></d:propertyupdate>"#;
    let changes = proppatch(body).expect("read");
    assert_eq!(changes.len(), 3);
    assert!(changes[0].0.is(DAV, "displayname") && changes[0].1.as_deref() == Some("Home"));
    assert!(
        changes[1].0.is(APPLE, "calendar-color") && changes[1].1.as_deref() == Some("#FF0000FF")
    );
    assert!(changes[2].0.is(APPLE, "calendar-order") && changes[2].1.is_none());
}

#[test]
fn a_sync_collection_gives_its_token_and_properties() {
    let first = br#"<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#;
    let Report::Sync { token, props } = report(first).expect("read") else {
        panic!("sync")
    };
    assert_eq!((token, props.len()), (None, 1));
    let later = br#"<d:sync-collection xmlns:d="DAV:"><d:sync-token> urn:taskd:sync:12 </d:sync-token><d:prop/></d:sync-collection>"#;
    let Report::Sync { token, .. } = report(later).expect("read") else {
        panic!("sync")
    };
    assert_eq!(token.as_deref(), Some("urn:taskd:sync:12"));
}

#[test]
fn references_and_cdata_are_read_and_an_odd_name_refused() {
    let body = br#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
        <d:href>/dav/a&amp;b&#46;ics</d:href><d:href><![CDATA[/dav/c<d.ics]]></d:href></c:calendar-multiget>"#;
    let Report::Multiget { hrefs, .. } = report(body).expect("read") else {
        panic!("multiget")
    };
    assert_eq!(hrefs, ["/dav/a&b.ics", "/dav/c<d.ics"]);
    let unknown = br#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:href>&nope;</d:href></c:calendar-multiget>"#;
    assert!(report(unknown).is_err());
    let odd = "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:na\u{e9}me/></d:prop></d:propfind>";
    assert!(propfind(odd.as_bytes()).is_err());
    let bare = Name {
        namespace: String::new(),
        local: "plain".into(),
    };
    assert_eq!(empty_element(&bare), "<plain xmlns=\"\"/>");
}

#[test]
fn a_multiget_gives_its_hrefs_and_a_query_its_open_filter() {
    let body = br#"<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
        <d:prop><d:getetag/><c:calendar-data/></d:prop>
        <d:href>/dav/calendars/1/2/a.ics</d:href><d:href> /dav/calendars/1/2/b%20c.ics </d:href>
        </c:calendar-multiget>"#;
    let Report::Multiget { props, hrefs } = report(body).expect("read") else {
        panic!("multiget")
    };
    assert_eq!(props.len(), 2);
    assert_eq!(
        hrefs,
        ["/dav/calendars/1/2/a.ics", "/dav/calendars/1/2/b%20c.ics"]
    );
    let query_body = br#"<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
        <d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">
        <c:prop-filter name="COMPLETED"><c:is-not-defined/></c:prop-filter></c:comp-filter></c:comp-filter></c:filter>
        </c:calendar-query>"#;
    let Report::Query {
        props,
        filters: Some(filters),
        range: None,
    } = report(query_body).expect("read")
    else {
        panic!("a query of tasks")
    };
    assert_eq!(
        props,
        [Name {
            namespace: DAV.into(),
            local: "getetag".into()
        }]
    );
    assert_eq!(
        filters,
        [PropFilter {
            property: "COMPLETED".into(),
            test: PropTest::NotDefined
        }]
    );
    assert!(filters[0].passes(&[]) && !filters[0].passes(&["20301201T100000Z".into()]));
    let status = PropFilter {
        property: "STATUS".into(),
        test: PropTest::Text {
            text: "COMPLETED".into(),
            negate: true,
            exact_case: true,
        },
    };
    assert!(status.passes(&["NEEDS-ACTION".into()]) && !status.passes(&["COMPLETED".into()]));
    let by_parameter = br#"<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:filter>
        <c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:prop-filter name="SUMMARY"><c:param-filter name="LANGUAGE"/></c:prop-filter>
        </c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#;
    assert!(
        report(by_parameter).is_err(),
        "a filter taskd does not apply is refused, not ignored"
    );
}

#[test]
fn a_query_time_range_is_read_and_a_bad_bound_refused() {
    let body = |range: &str| {
        format!(
            r#"<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>
            <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">{range}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#
        )
    };
    let Ok(Report::Query {
        range: Some(range), ..
    }) = report(body(r#"<c:time-range start="20261210T000000Z"/>"#).as_bytes())
    else {
        panic!("a query with a range")
    };
    let start = chrono::NaiveDate::from_ymd_opt(2026, 12, 10)
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|at| at.and_utc());
    assert_eq!((range.start, range.end), (start, None));
    for refused in [
        r#"<c:time-range start="2026-12-10"/>"#,
        r#"<c:time-range/>"#,
        r#"<c:prop-filter name="DUE"><c:time-range start="20261210T000000Z"/></c:prop-filter>"#,
    ] {
        assert!(report(body(refused).as_bytes()).is_err(), "{refused}");
    }
}
