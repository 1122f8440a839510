META
key;value
description;Five ranked ballots, equal costs
budget;20
vote_type;ordinal
max_length;3
PROJECTS
project_id;cost
x;10
y;10
z;10
VOTES
voter_id;vote
1;x,y,z
2;x,z,y
3;y,z,x
4;z,y,x
5;z,y,x
