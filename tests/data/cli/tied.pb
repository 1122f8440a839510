META
key;value
description;Three projects, two of them tied
budget;100
vote_type;approval
rule;greedy-threshold
min_project_score_threshold;2
PROJECTS
project_id;cost;name
a;50;Alpha
b;60;Beta
c;40;Gamma
VOTES
voter_id;vote
1;a,b
2;a,c
3;a
4;b,c
