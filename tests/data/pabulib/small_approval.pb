META
key;value
description;Hand-made approval election
country;Nowhere
num_projects;4
num_votes;5
budget;1000,50
vote_type;approval
rule;greedy
comment;"#1: a quoted comment; it spans
two lines and has ""quotes"""
PROJECTS
project_id;cost;votes;name;category
p1;400;3;Park benches;"greenery;public space"
p2;250.25;2;"The ""big"" mural";culture
p3;600;2;Bike lanes;transport
p4;  100  ;0;Unused;

VOTES
voter_id;vote;age;sex
v1;p1,p2;34;F
v2;p1, p3 ,p1;51;M
v3;;29;F
v4;p3;;
v5;p2,p1;70;M
