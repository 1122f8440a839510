META
key;value
num_projects;3
num_votes;4
budget;500
vote_type;cumulative
max_sum_points;10
PROJECTS
project_id;cost;score;name
A;200;17;Alpha
B;300;8;Beta
C;150;9;Gamma
VOTES
voter_id;vote;points;district
1;A,B;7,3;north
2;C;10;south
3;;;north
4;B, A ,C;1,6,3;east
