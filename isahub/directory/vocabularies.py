"""The product's own taxonomies: service types, the needs vocabulary, and the Assessment
Framework's domains and dimensions (Framework for the Assessment of Children in Need and
their Families, 2000; research NEED-04 and SD-02: Leicestershire's directory let users
"click on domains/dimensions to identify services").

Ids are UUID5s of fixed names, so every deployment (and every export) gives the same term
the same id, and loading them again changes nothing.
"""

from __future__ import annotations

import uuid

from django.utils.text import slugify

from .models import Taxonomy, TaxonomyTerm, Vocabulary

NAMESPACE = uuid.UUID("6f1c1f0e-3b7a-4f3e-9d61-2f0a8f0d7c11")

ASSESSMENT_FRAMEWORK: dict[str, list[str]] = {
    "Child's developmental needs": [
        "Health",
        "Education",
        "Emotional and behavioural development",
        "Identity",
        "Family and social relationships",
        "Social presentation",
        "Self-care skills",
    ],
    "Parenting capacity": [
        "Basic care",
        "Ensuring safety",
        "Emotional warmth",
        "Stimulation",
        "Guidance and boundaries",
        "Stability",
    ],
    "Family and environmental factors": [
        "Family history and functioning",
        "Wider family",
        "Housing",
        "Employment",
        "Income",
        "Family's social integration",
        "Community resources",
    ],
}

# need -> (plain description, the Assessment Framework dimensions it falls under)
NEEDS: dict[str, tuple[str, list[str]]] = {
    "Speech and language delay": ("Talking, understanding or communicating later than expected.", ["Education", "Stimulation"]),
    "Emotional wellbeing": ("Worry, low mood, anxiety or stress.", ["Emotional and behavioural development"]),
    "Behaviour": (
        "Behaviour that is hard to manage at home or school.",
        ["Emotional and behavioural development", "Guidance and boundaries"],
    ),
    "School attendance": ("Missing school or at risk of exclusion.", ["Education"]),
    "Bullying": (
        "Being bullied, in person or online.",
        ["Family and social relationships", "Emotional and behavioural development"],
    ),
    "Parenting support": (
        "Help for parents and carers with routines, boundaries and play.",
        ["Guidance and boundaries", "Emotional warmth", "Basic care"],
    ),
    "Domestic abuse": ("Abuse or violence between adults at home.", ["Ensuring safety", "Family history and functioning"]),
    "Substance misuse": ("Drugs or alcohol, the child's own or a parent's.", ["Health", "Ensuring safety"]),
    "Housing problems": ("Homelessness, overcrowding, disrepair or risk of eviction.", ["Housing"]),
    "Money and debt": ("Debt, benefits, food poverty.", ["Income"]),
    "Young carer": ("A child who looks after someone at home.", ["Family history and functioning", "Self-care skills"]),
    "Special educational needs and disability": ("Learning difficulties, disabilities, autism.", ["Education", "Health"]),
    "Physical health": ("Illness, growth, diet, dental health.", ["Health", "Basic care"]),
    "Sexual health": ("Relationships, contraception and sexual health.", ["Health"]),
    "Offending": ("Getting into trouble with the police.", ["Emotional and behavioural development", "Guidance and boundaries"]),
    "Early development": ("Development in the early years: play, movement, feeding.", ["Health", "Stimulation"]),
    "Isolation": ("Few friends or little support nearby.", ["Family's social integration", "Community resources"]),
    "Bereavement": ("The death of someone close.", ["Emotional and behavioural development", "Family and social relationships"]),
    "Self-harm": ("Hurting themselves on purpose.", ["Emotional and behavioural development", "Health"]),
    "Education, employment and training": ("Young people not in education, employment or training.", ["Education", "Employment"]),
    "Family relationships": (
        "Conflict, separation or relationships under strain.",
        ["Family history and functioning", "Family and social relationships"],
    ),
    "Identity and belonging": ("Culture, faith, sexuality, identity.", ["Identity"]),
}

SERVICE_TYPES: dict[str, str] = {
    "Counselling": "Talking therapies with a trained counsellor.",
    "Parenting programme": "Group or one-to-one courses for parents and carers.",
    "Family support": "Practical help for families at home.",
    "Youth club and activities": "Clubs, sport and activities for young people.",
    "Health visiting": "Health visitors for families with children under five.",
    "School nursing": "Nurses working with school-age children.",
    "Speech and language therapy": "Help with talking, listening and understanding.",
    "Mental health": "Specialist mental health assessment and treatment.",
    "Housing advice": "Advice on finding and keeping a home.",
    "Money and benefits advice": "Help with debt, benefits and food.",
    "Domestic abuse support": "Safety planning, refuge and support after abuse.",
    "Substance misuse support": "Help with drugs and alcohol.",
    "Early years and childcare": "Nurseries, childminders and children's centres.",
    "Education support": "Help with learning, attendance and special educational needs.",
    "Sexual health clinic": "Contraception, testing and advice.",
    "Youth justice": "Work with young people who have offended.",
    "Disability support": "Support for disabled children and their families.",
    "Young carers support": "Breaks and support for young carers.",
    "Training and employment": "Help into education, training and work.",
    "Social care": "Assessment and support from children's social care.",
    "GP and primary care": "Family doctors and practice nurses.",
    "Police safeguarding": "Police teams that protect children.",
    "Bereavement support": "Support after someone has died.",
}


def term_id(vocabulary: str, name: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{vocabulary}:{name}")


def taxonomy_id(vocabulary: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"taxonomy:{vocabulary}")


TAXONOMIES = {
    Vocabulary.SERVICE_TYPE: ("isahub service types", "Kinds of service, in plain words."),
    Vocabulary.NEED: (
        "isahub needs",
        "The common needs vocabulary practitioners record, each under Assessment Framework dimensions.",
    ),
    Vocabulary.ASSESSMENT_FRAMEWORK: (
        "Assessment Framework",
        "Domains and dimensions of the Framework for the Assessment of Children in Need and their Families.",
    ),
}


def ensure_vocabularies() -> dict[str, dict[str, TaxonomyTerm]]:
    """Create the three taxonomies and their terms if missing. Returns {vocabulary: {name: term}}."""
    out: dict[str, dict[str, TaxonomyTerm]] = {}
    taxonomies: dict[str, Taxonomy] = {}
    for vocabulary, (name, description) in TAXONOMIES.items():
        taxonomies[vocabulary], _ = Taxonomy.objects.get_or_create(
            vocabulary=vocabulary,
            defaults={"id": taxonomy_id(vocabulary), "name": name, "description": description, "version": "1"},
        )
        out[vocabulary] = {}

    def term(vocabulary: str, name: str, description: str, parent: TaxonomyTerm | None = None) -> TaxonomyTerm:
        found, _ = TaxonomyTerm.objects.get_or_create(
            taxonomy=taxonomies[vocabulary],
            code=slugify(name),
            defaults={"id": term_id(vocabulary, name), "name": name, "description": description, "parent": parent},
        )
        out[vocabulary][name] = found
        return found

    for domain, dimensions in ASSESSMENT_FRAMEWORK.items():
        parent = term(Vocabulary.ASSESSMENT_FRAMEWORK, domain, f"Assessment Framework domain: {domain}.")
        for dimension in dimensions:
            term(Vocabulary.ASSESSMENT_FRAMEWORK, dimension, f"Assessment Framework dimension under {domain}.", parent)
    for need, (description, _dimensions) in NEEDS.items():
        term(Vocabulary.NEED, need, description)
    for kind, description in SERVICE_TYPES.items():
        term(Vocabulary.SERVICE_TYPE, kind, description)
    return out


def dimensions_of_need(need: str) -> list[str]:
    return NEEDS[need][1] if need in NEEDS else []
