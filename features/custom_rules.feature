Feature: An application can check its own rule book with the same steps
  The steps work with any rule directory, so a clinic that extends the rules writes only
  feature files. Here the tiny test rule book is used: groin pain gives 12 points, groin pain
  with a snapping hip 10 more, and a score of 20 or more makes the psoas likely.

  Background:
    Given the rules in "../tests/fixtures/mini_rules"

  Scenario: The same words, another rule book, its own thresholds
    Given a person reporting groin pain and hip snapping
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And the psoas score is 22
    And the triage level is "consultation"
    And the self-care advice includes "Gentle stretch"

  Scenario: A word only the shipped vocabulary knows is refused by this rule book
    Given a report that lists the code "low_back_pain"
    When the symptoms are assessed
    Then the report is rejected
    And the rejection says "unknown symptom code 'low_back_pain'"
